using SurvivorConnect.Api.Infrastructure.Pipeline;

namespace SurvivorConnect.Api.Features.Consent;

/// <summary>
/// A kind of consent a feature asks for: its name, who alone may give it (when only one may), whether it is
/// given to one match, and, for a consent people give for themselves (<see cref="ConsentGrantor.Self"/>), which
/// roles may give it; and whether it shares with another agency (<see cref="NamesPartner"/>: it then names the
/// agency and the kinds of record, which <see cref="IPartnerSharing"/> checks); and what it is in the words of the
/// person who gave it (<see cref="Words"/>), on their own list of what they said yes to. Features declare the scopes
/// they need with <see cref="ConsentScopeRegistration.AddConsentScope"/>.
/// </summary>
public sealed record ConsentScope(
    string Name, string Words, ConsentGrantor? OnlyGrantor = null, bool NamesMatch = false, IReadOnlyList<string>? SelfGrantedBy = null, bool NamesPartner = false);

/// <summary>Every scope the running features declared, in the order their modules were added.</summary>
public sealed class ConsentScopes(IEnumerable<ConsentScope> declared)
{
    private readonly IReadOnlyList<ConsentScope> _scopes = [.. declared];

    public IReadOnlyList<string> Names => [.. _scopes.Select(s => s.Name)];

    public ConsentScope? Find(string? name) => _scopes.FirstOrDefault(s => s.Name == name);
}

public static class ConsentScopeRegistration
{
    public static IServiceCollection AddConsentScope(this IServiceCollection services, ConsentScope scope) => services.AddSingleton(scope);
}

/// <summary>A consent names a scope some feature declared, and a match when, and only when, its scope is given to one.</summary>
internal sealed class GrantConsentScopeValidator(ConsentScopes scopes) : IValidator<GrantConsent>
{
    public void Validate(GrantConsent message, ValidationErrors errors)
    {
        if (scopes.Find(message.Body.Scope) is not { } scope)
        {
            errors.Add("scope", $"One of: {string.Join(", ", scopes.Names)}.");
        }
        else if (scope.NamesMatch && string.IsNullOrWhiteSpace(message.Body.MatchId))
        {
            errors.Add("matchId", "Consent to a match names the match.");
        }
        else if (!scope.NamesMatch && message.Body.MatchId is not null)
        {
            // A match would make it another consent than the one its subject withdrew, which staff could then give again.
            errors.Add("matchId", "This consent is not given to a match.");
        }
        else if (message.Body.Grantor == nameof(ConsentGrantor.Self) && scope.SelfGrantedBy is null)
        {
            errors.Add("grantor", "This consent is not one people give for themselves.");
        }
        else if (scope.NamesPartner && (string.IsNullOrWhiteSpace(message.Body.PartnerAgencyId) || message.Body.Kinds is not { Length: > 0 }))
        {
            errors.Add("partnerAgencyId", "Sharing with another agency names the agency and the kinds of record shared.");
        }
        else if (!scope.NamesPartner && (message.Body.PartnerAgencyId is not null || message.Body.Kinds is { Length: > 0 }))
        {
            errors.Add("partnerAgencyId", "This consent does not share with another agency.");
        }
    }
}
