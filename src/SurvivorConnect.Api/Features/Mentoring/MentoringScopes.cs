using SurvivorConnect.Api.Features.Consent;

namespace SurvivorConnect.Api.Features.Mentoring;

/// <summary>The consents mentoring asks for.</summary>
public static class MentoringScopes
{
    /// <summary>A mentor's willingness to mentor at all; only the mentor gives it.</summary>
    public const string Mentoring = "mentoring";

    /// <summary>Agreement to one match (mentor, youth, and guardian or agency where policy says).</summary>
    public const string MentoringMatch = "mentoring-match";

    public static IServiceCollection AddMentoringScopes(this IServiceCollection services) =>
        services.AddConsentScope(new ConsentScope(Mentoring, "To mentor youth", OnlyGrantor: ConsentGrantor.Mentor))
            .AddConsentScope(new ConsentScope(MentoringMatch, "To a mentoring match", NamesMatch: true));
}
