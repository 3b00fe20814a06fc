using System.Globalization;
using Microsoft.Extensions.Caching.Memory;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Hosting;

namespace SurvivorConnect.Api.Features.Supervision;

/// <summary>
/// A check-in sent from a page whose form no longer holds (the mentor signed in again in another tab meanwhile) is refused
/// before anything reads it. Its answers are kept here for the mentor who filled it in, for a few minutes and on this
/// instance only, and the check-in page shows them again with the crisis lines, so answers that said they are not safe
/// are not lost with the page. Nothing is stored or acted on: they were not sent with a form that holds.
/// </summary>
public sealed class UnsentCheckIns : IStaleFormRescue, IDisposable
{
    public const string Path = "/wellbeing";
    public const string FormName = "checkin";

    /// <summary>The field naming whom the page was drawn for: a stale tab of one person's is never shown to another signed in since.</summary>
    public const string ForField = "For";

    public const string Again = Path + "?unsent=1";

    private const int MostAnswers = 100;
    private static readonly TimeSpan Kept = TimeSpan.FromMinutes(15);
    private readonly MemoryCache _kept = new(new MemoryCacheOptions { SizeLimit = 10_000 });

    public bool Keeps(PathString path) => path.Equals(Path, StringComparison.OrdinalIgnoreCase);

    public string? Rescue(HttpContext context, IFormCollection form)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(form);
        if (Key(context.User) is not { } key || form["_handler"] != FormName || form[ForField] != context.User.FindFirst(ScClaims.UserId)?.Value)
        {
            return null;
        }

        var answers = form.Keys.Where(k => k.StartsWith("A_", StringComparison.Ordinal)).Take(MostAnswers)
            .Select(k => (Id: k[2..], Ok: int.TryParse(form[k], NumberStyles.Integer, CultureInfo.InvariantCulture, out var n), Value: n))
            .Where(a => a.Ok)
            .ToDictionary(a => a.Id, a => a.Value, StringComparer.Ordinal);
        var version = int.TryParse(form["InstrumentVersion"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : (int?)null;
        _kept.Set(key, new UnsentCheckIn(answers, form["SubmissionId"].ToString(), form["InstrumentKey"].ToString(), version),
            new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = Kept });
        // Not kept when the cache is full: the page that says nothing was done then, not one with nothing to show.
        return _kept.TryGetValue(key, out _) ? Again : null;
    }

    /// <summary>The signed-in mentor's unsent check-in, once: shown again, it is theirs to send or leave.</summary>
    public UnsentCheckIn? Take(System.Security.Claims.ClaimsPrincipal user)
    {
        if (Key(user) is not { } key || !_kept.TryGetValue(key, out UnsentCheckIn? unsent))
        {
            return null;
        }

        _kept.Remove(key);
        return unsent;
    }

    private static string? Key(System.Security.Claims.ClaimsPrincipal user) =>
        user.HasClaim(ScClaims.Role, Roles.Mentor) && user.FindFirst(ScClaims.UserId)?.Value is { } id && user.FindFirst(ScClaims.Agency)?.Value is { } agency
            ? $"{agency}:{id}"
            : null;

    public void Dispose() => _kept.Dispose();
}

public sealed record UnsentCheckIn(IReadOnlyDictionary<string, int> Answers, string SubmissionId, string InstrumentKey, int? InstrumentVersion);
