using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Consent;

/// <summary>
/// Consent records: whose consent, from whom, for what and until when, revocable and never deleted. Other
/// features read and write them; their endpoints still live with mentoring, their first user.
/// </summary>
public static class ConsentModule
{
    public static WebApplicationBuilder AddConsent(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddContainer(ConsentRecord.Container);
        return builder;
    }
}
