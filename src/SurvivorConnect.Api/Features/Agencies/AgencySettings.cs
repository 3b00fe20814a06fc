using Mediator;
using SurvivorConnect.Api.Features.Consent;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Api.Infrastructure.Tenancy;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Agencies;

/// <param name="TimeZone">Where the agency works; null until its admin says (its days are UTC's meanwhile).</param>
/// <param name="CrisisLines">The agency's own crisis lines, shown before the deployment's.</param>
/// <param name="Version">The agency record's version, for a policy change that must not undo one made since (If-Match).</param>
public sealed record AgencyView(
    string Id, string Name, MatchConsentPolicy MatchConsentPolicy, int ReportThreshold, string? TimeZone, IReadOnlyList<CrisisResource> CrisisLines, string Version);

public sealed record ReportThresholdRequest(int? Threshold);

public sealed record MatchConsentPolicyRequest(int? AdultAge, string[]? MinorMatchNeeds);

public sealed record TimeZoneRequest(string? TimeZone);

public sealed record GetAgency : IQuery<AgencyView>;

/// <param name="IfMatch">
/// The version the policy was read at: a change from an older page is refused rather than silently take away a consent
/// another admin made matches of minors need since.
/// </param>
public sealed record SetMatchConsentPolicy(MatchConsentPolicyRequest Body, string? IfMatch = null) : ICommand<AgencyView>, IValidate, IAgencyAdminOnly, IAudited
{
    public AuditTarget Audit => new("agency.set-match-consent-policy", "agency");

    public void Validate(ValidationErrors errors)
    {
        errors.Range("adultAge", Body.AdultAge, 16, 21);
        if (Body.AdultAge is null)
        {
            errors.Add("adultAge", "Required.");
        }

        foreach (var grantor in Body.MinorMatchNeeds ?? [])
        {
            if (grantor is not (nameof(ConsentGrantor.Guardian) or nameof(ConsentGrantor.Agency)))
            {
                errors.Add("minorMatchNeeds", "Each entry is Guardian or Agency.");
            }
        }
    }
}

public sealed record SetReportThreshold(ReportThresholdRequest Body, string? IfMatch = null) : ICommand<AgencyView>, IValidate, IAgencyAdminOnly, IAudited
{
    public const int Highest = 100;

    public AuditTarget Audit => new("agency.set-report-threshold", "agency");

    public void Validate(ValidationErrors errors)
    {
        errors.Range("threshold", Body.Threshold, Agency.DefaultReportThreshold, Highest);
        if (Body.Threshold is null)
        {
            errors.Add("threshold", "Required.");
        }
    }
}

/// <summary>Where the agency works, so that its days begin and end when its staff's do.</summary>
public sealed record SetAgencyTimeZone(TimeZoneRequest Body, string? IfMatch = null) : ICommand<AgencyView>, IValidate, IAgencyAdminOnly, IAudited
{
    public AuditTarget Audit => new("agency.set-time-zone", "agency");

    public void Validate(ValidationErrors errors)
    {
        if (!AgencyCalendar.TryZone(Body.TimeZone?.Trim(), out _))
        {
            errors.Add("timeZone", "A time zone such as America/Los_Angeles.");
        }
    }
}

/// <summary>The consents an agency's matches need changed: whatever depends on a match's consent follows at once.</summary>
public sealed record MatchConsentPolicyChanged(string AgencyId) : INotification;

public enum AgencyPolicy
{
    /// <summary>Fewer consents are asked for a minor's match (a guardian's or the agency's taken away, or a lower adult age).</summary>
    MatchConsent,

    /// <summary>Outcome reports show smaller groups.</summary>
    ReportThreshold,

    /// <summary>The crisis lines youth and mentors are shown first changed (a number swapped is a number someone in danger calls).</summary>
    CrisisLines,

    /// <summary>The time zone changed, which moves the edges of every day and month the agency counts by.</summary>
    TimeZone,

    /// <summary>Payouts need a second approver less often (a higher amount), or the per diem rates paid changed.</summary>
    PayoutApprovals,

    /// <summary>Paid work is held to less: a kind's benchmark rate lowered, late cancellations or receipts paid less.</summary>
    EngagementPay,

    /// <summary>Mentors' check-ins may alert their supervisors later: a larger fall before a concern, or another instrument.</summary>
    SupervisionAlerts,
}

/// <summary>
/// One admin made a policy that protects youth ask less, or changed what youth are shown first in danger or how months
/// are counted: the others hear of it, so nobody does it unseen.
/// </summary>
public sealed record AgencyPolicyLoosened(string AgencyId, PolicyLoosening Loosening) : INotification;

public static class PolicyLooseningNews
{
    /// <summary>Tells the other admins of a policy's last loosening, on any save while it is still news (<see cref="PolicyLoosening.StillNews"/>).</summary>
    public static async Task TellWhileNewsAsync(this IPublisher publisher, string agencyId, PolicyLoosening? loosened, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(publisher);
        if (loosened is not null && loosened.StillNews(now))
        {
            await publisher.FinishAsync(new AgencyPolicyLoosened(agencyId, loosened));
        }
    }
}

/// <summary>Another feature's say on raising the agency's adult age: why it cannot be raised now, or null.</summary>
public interface IAdultAgeRaise
{
    Task<string?> RefusalAsync(int from, int to, CancellationToken ct);
}

internal sealed class AgencyHandlers(AgencyStore store, ICurrentUser user, IPublisher publisher, CrisisLinesLastRead crisisLinesLastRead, IEnumerable<IAdultAgeRaise> adultAgeRaise)
    : IQueryHandler<GetAgency, AgencyView>,
      ICommandHandler<SetMatchConsentPolicy, AgencyView>,
      ICommandHandler<SetReportThreshold, AgencyView>,
      ICommandHandler<SetAgencyTimeZone, AgencyView>,
      ICommandHandler<SetAgencyCrisisLines, AgencyView>
{
    public async ValueTask<AgencyView> Handle(GetAgency query, CancellationToken ct) => View(await AgencyAsync(ct));

    public async ValueTask<AgencyView> Handle(SetMatchConsentPolicy command, CancellationToken ct)
    {
        var agency = await AgencyAsync(ct);
        var policy = new MatchConsentPolicy(command.Body.AdultAge!.Value, (command.Body.MinorMatchNeeds ?? []).Distinct().Select(EnumNames.Parse<ConsentGrantor>).ToList());

        if (policy.AdultAge > agency.MatchConsentPolicy.AdultAge)
        {
            foreach (var check in adultAgeRaise)
            {
                if (await check.RefusalAsync(agency.MatchConsentPolicy.AdultAge, policy.AdultAge, ct) is { } refused)
                {
                    throw new ConflictException(refused);
                }
            }
        }

        // The policy there is sent again (after its follow-ups failed, from a page that has not seen its own change's
        // version): nothing to write, and what follows a change is done again.
        var saved = agency.MatchConsentPolicy is { } current && current.AdultAge == policy.AdultAge && current.MinorMatchNeeds.ToHashSet().SetEquals(policy.MinorMatchNeeds)
            ? agency

            // Named, never assumed: a client that read the policy before another admin added a guardian's consent would
            // otherwise take it away unseen.
            : await store.ReplaceAsync(Agency.Container, agency with
            {
                MatchConsentPolicy = policy,
                MatchConsentPolicySetAt = store.Now,
                Loosenings = AsksLess(agency.MatchConsentPolicy, policy) ? Loosened(agency, AgencyPolicy.MatchConsent) : agency.Loosenings,
            }, command.IfMatch ?? throw new PreconditionRequiredException(), ct);

        await publisher.FinishAsync(new MatchConsentPolicyChanged(saved.Id));
        await TellOfLooseningAsync(saved);
        return View(saved);
    }

    private static bool AsksLess(MatchConsentPolicy before, MatchConsentPolicy after) =>
        after.AdultAge < before.AdultAge || before.MinorMatchNeeds.Except(after.MinorMatchNeeds).Any();

    public async ValueTask<AgencyView> Handle(SetReportThreshold command, CancellationToken ct)
    {
        // Named, never assumed, as every agency setting: a stale page must not lower a threshold another admin raised.
        var ifMatch = command.IfMatch ?? throw new PreconditionRequiredException();
        var agency = await AgencyAsync(ct);
        var threshold = command.Body.Threshold!.Value;
        var saved = await store.ReplaceAsync(Agency.Container, agency with
        {
            ReportThreshold = threshold,
            Loosenings = threshold < agency.ReportThreshold ? Loosened(agency, AgencyPolicy.ReportThreshold) : agency.Loosenings,
        }, ifMatch, ct);
        await TellOfLooseningAsync(saved);
        return View(saved);
    }

    /// <summary>This change in place of the policy's last one; the others kept only while they may still be told.</summary>
    private List<PolicyLoosening> Loosened(Agency agency, AgencyPolicy policy) =>
        [.. agency.Loosenings.Where(l => l.Policy != policy && l.StillNews(store.Now)), new PolicyLoosening(policy, user.UserId, store.Now)];

    /// <summary>
    /// The other admins told of each policy's last loosening still news, on a save of any policy: even one that leaves
    /// nothing to change, or saves another.
    /// </summary>
    private async Task TellOfLooseningAsync(Agency saved)
    {
        foreach (var loosened in saved.Loosenings)
        {
            await publisher.TellWhileNewsAsync(saved.Id, loosened, store.Now);
        }
    }

    public async ValueTask<AgencyView> Handle(SetAgencyTimeZone command, CancellationToken ct)
    {
        var ifMatch = command.IfMatch ?? throw new PreconditionRequiredException();
        var agency = await AgencyAsync(ct);
        // Stored as the zone files spell it: what was typed may differ in case.
        var zone = AgencyCalendar.TryZone(command.Body.TimeZone!.Trim(), out var found) ? found.Id : throw new InvalidOperationException("Validated above.");
        var saved = await store.ReplaceAsync(Agency.Container, agency with
        {
            TimeZone = zone,
            FormerTimeZones = zone != agency.TimeZone ? AgencyCalendar.ZoneLeft(agency.FormerTimeZones, agency.TimeZone, store.Now) : agency.FormerTimeZones,
            Loosenings = zone != agency.TimeZone ? Loosened(agency, AgencyPolicy.TimeZone) : agency.Loosenings,
        }, ifMatch, ct);
        await TellOfLooseningAsync(saved);
        return View(saved);
    }

    public async ValueTask<AgencyView> Handle(SetAgencyCrisisLines command, CancellationToken ct)
    {
        var ifMatch = command.IfMatch ?? throw new PreconditionRequiredException();
        var agency = await AgencyAsync(ct);
        var lines = CrisisLineRules.Clean(command.Body.Lines!);
        var saved = await store.ReplaceAsync(Agency.Container, agency with
        {
            CrisisLines = lines,
            Loosenings = lines.SequenceEqual(agency.CrisisLines) ? agency.Loosenings : Loosened(agency, AgencyPolicy.CrisisLines),
        }, ifMatch, ct);
        // A line taken off is not shown from this instance's last-read copy (an error page, a busy chat) from now on.
        crisisLinesLastRead.Remember(saved.Id, saved.CrisisLines, store.Now);
        await TellOfLooseningAsync(saved);
        return View(saved);
    }

    private async Task<Agency> AgencyAsync(CancellationToken ct) =>
        await store.ReadAsync<Agency>(Agency.Container, user.AgencyId, user.AgencyId, ct) ?? throw new NotFoundException("agency");

    private static AgencyView View(Agency a) => new(a.Id, a.Name, a.MatchConsentPolicy, a.ReportThreshold, a.TimeZone, a.CrisisLines, a.ETag ?? "");
}
