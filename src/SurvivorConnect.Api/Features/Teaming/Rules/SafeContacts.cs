using SurvivorConnect.Api.Infrastructure.Pipeline;

namespace SurvivorConnect.Api.Features.Teaming.Rules;

/// <summary>What of a safety plan's contact a phone can call or text.</summary>
public static class SafeContacts
{
    private const int FewestDigits = 3;

    /// <summary>
    /// The contact as a number to dial ("555-0100", "+1 (555) 010-0100", "911"), or null when it is anything else (a
    /// name, "ask at the front desk", an address, a number among words): only a number written alone becomes a button,
    /// so a tap never dials something the youth did not write as one.
    /// </summary>
    public static string? Dialable(string? contact) => PhoneNumbers.Dialable(contact, FewestDigits);
}
