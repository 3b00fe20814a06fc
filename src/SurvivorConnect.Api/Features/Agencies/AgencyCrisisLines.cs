using System.Collections.Concurrent;
using Mediator;
using SurvivorConnect.Api.Infrastructure.Pipeline;

namespace SurvivorConnect.Api.Features.Agencies;

/// <summary>A crisis line: what to call it and how to reach it in words, and the numbers a phone can call or text at a tap, if any.</summary>
public sealed record CrisisResource(string Name, string Contact, string? Call = null, string? Text = null);

/// <summary>One of the agency's own crisis lines as typed: blank numbers are none.</summary>
public sealed record CrisisLineInput(string? Name, string? Contact, string? Call = null, string? Text = null);

/// <param name="Lines">The agency's own lines, in the order they are to be shown; an empty list takes them all off.</param>
public sealed record CrisisLinesRequest(IReadOnlyList<CrisisLineInput>? Lines);

/// <summary>
/// The crisis lines of the agency's own area (its youth shelter's line, a local crisis team), shown before the
/// deployment's national ones wherever crisis lines are shown to the agency's people. The national lines always stay.
/// </summary>
/// <param name="IfMatch">The version the lines were read at: a stale page must not take off a line another admin added.</param>
public sealed record SetAgencyCrisisLines(CrisisLinesRequest Body, string? IfMatch = null) : ICommand<AgencyView>, IValidate, IAgencyAdminOnly, IAudited
{
    public AuditTarget Audit => new("agency.set-crisis-lines", "agency");

    public void Validate(ValidationErrors errors) => CrisisLineRules.Validate(Body.Lines, errors);
}

/// <summary>What an agency's own crisis line must be: named, described, and any number one a phone can dial.</summary>
public static class CrisisLineRules
{
    public const int MaxLines = 5;
    public const int MaxNameLength = 80;
    public const int MaxContactLength = 160;

    public static void Validate(IReadOnlyList<CrisisLineInput>? lines, ValidationErrors errors)
    {
        if (lines is null)
        {
            errors.Add("lines", "Required: an empty list takes every line off.");
            return;
        }

        if (lines.Count > MaxLines)
        {
            errors.Add("lines", $"At most {MaxLines} lines.");
            return;
        }

        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            errors.Text($"lines[{i}].name", line.Name, MaxNameLength);
            errors.Text($"lines[{i}].contact", line.Contact, MaxContactLength);
            if (ValidationErrors.Optional(line.Call) is { } call && Number(call) is null)
            {
                errors.Add($"lines[{i}].call", "A phone number: digits, with spaces, dashes or a leading + if you like.");
            }

            if (ValidationErrors.Optional(line.Text) is { } text && Number(text) is null)
            {
                errors.Add($"lines[{i}].text", "A number to text: digits, with spaces, dashes or a leading + if you like.");
            }
        }
    }

    /// <summary>The lines as kept: trimmed, and numbers as a phone dials them (digits, and a leading + if given).</summary>
    public static IReadOnlyList<CrisisResource> Clean(IReadOnlyList<CrisisLineInput> lines) =>
        lines.Select(line => new CrisisResource(line.Name!.Trim(), line.Contact!.Trim(),
            ValidationErrors.Optional(line.Call) is { } call ? Number(call) : null,
            ValidationErrors.Optional(line.Text) is { } text ? Number(text) : null)).ToList();

    /// <summary>The number as a tel: or sms: link takes it, or null when it is not a number (a letter, a second +, too long).</summary>
    public static string? Number(string typed) => PhoneNumbers.Dialable(typed, 2);
}

/// <summary>
/// Each agency's own crisis lines as last read or saved on this instance, to show when the agency cannot be read. Kept an
/// hour: a line an admin took off (its number wrong, or someone else's now) is not shown for longer by an instance that
/// did not see the change, while the deployment's lines are shown whatever happens.
/// </summary>
public sealed class CrisisLinesLastRead(TimeProvider time)
{
    public static readonly TimeSpan KeptFor = TimeSpan.FromHours(1);

    private readonly ConcurrentDictionary<string, (IReadOnlyList<CrisisResource> Lines, DateTimeOffset At)> _lines = new(StringComparer.Ordinal);

    /// <param name="readAt">
    /// When the read that found them began (or the save was made): a read begun before a save that ends after it does not
    /// put back a line the save took off.
    /// </param>
    public void Remember(string agencyId, IReadOnlyList<CrisisResource> lines, DateTimeOffset readAt) =>
        _lines.AddOrUpdate(agencyId, (lines, readAt), (_, known) => known.At >= readAt ? known : (lines, readAt));

    public IReadOnlyList<CrisisResource> For(string agencyId) =>
        _lines.TryGetValue(agencyId, out var known) && time.GetUtcNow() - known.At < KeptFor ? known.Lines : [];
}
