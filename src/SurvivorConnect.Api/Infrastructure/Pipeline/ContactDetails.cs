namespace SurvivorConnect.Api.Infrastructure.Pipeline;

/// <summary>
/// Whether words one person writes for another to read carry a way to reach them outside the portal (a phone number,
/// an address, a handle, a link). Chat's safety scan answers it from its own rules, so a profile is held to what a
/// message is; features ask here, never chat itself.
/// </summary>
public interface IContactDetails
{
    bool Shares(string text);
}
