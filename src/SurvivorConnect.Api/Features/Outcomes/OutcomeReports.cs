using System.Globalization;
using System.Text;
using Mediator;
using SurvivorConnect.Api.Features.Agencies;
using SurvivorConnect.Api.Features.Chat;
using SurvivorConnect.Api.Features.Engagements;
using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Api.Features.Outcomes.Rules;
using SurvivorConnect.Api.Features.Payouts;
using SurvivorConnect.Api.Features.Supervision;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Hosting;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Api.Infrastructure.Tenancy;

namespace SurvivorConnect.Api.Features.Outcomes;

public sealed record OutcomeCellView(decimal? Value, string Shown, string? Withheld);

public sealed record OutcomeRowView(string Label, IReadOnlyList<OutcomeCellView?> Cells);

public sealed record OutcomeTableView(string Key, string Title, IReadOnlyList<string> Columns, IReadOnlyList<OutcomeRowView> Rows, bool Trend, IReadOnlyList<string> Withheld);

/// <summary>An outcome report: every number has at least the agency's threshold of people behind it, and none can be worked back.</summary>
/// <remarks><paramref name="Clock"/> names whose months they are: "Los Angeles time".</remarks>
public sealed record OutcomeReport(
    string Scope, string From, string To, string? PracticeChangedFrom, int Threshold, DateTimeOffset ComputedAt, string Freshness, string Clock, IReadOnlyList<OutcomeTableView> Tables);

/// <summary>Which report: months as yyyy-MM; the practice change is the first month the agency worked the new way.</summary>
public sealed record OutcomeQuery(string? From, string? To, string? PracticeChangedFrom, string? Scope)
{
    public const string Agency = "agency";
    public const string Caseload = "caseload";

    // Months as far as any agency's records go; beyond them a month cannot even be added up.
    private static readonly DateOnly Earliest = new(2000, 1, 1);
    private static readonly DateOnly Latest = new(2100, 12, 1);

    /// <summary>
    /// Admins and analysts see the agency's report, a case manager their caseload's. Not an analyst who also holds a role
    /// that reads people's records (given before that was refused), nor an admin who also manages cases or supervises
    /// mentors (who keeps their caseload's report): the records they read (their youth, their mentors' check-ins), taken
    /// from the agency's counts, would show everyone else in small groups.
    /// </summary>
    public static bool SeesAgency(RoleHistory roles)
    {
        ArgumentNullException.ThrowIfNull(roles);
        return roles.Has(Roles.AgencyAdmin) && !AdminReadsRecords(roles)
            || roles.Has(Roles.Analyst) && !Roles.ReadPeopleBesideReports(Roles.All.Where(roles.Has)) && !ReadRecordsBefore(roles);
    }

    /// <summary>
    /// An admin who also reads records the agency's report counts (their caseload's youth, their mentors' check-ins), or
    /// read them in a role since taken away: dropping the role for a moment does not unlearn what it showed.
    /// </summary>
    public static bool AdminReadsRecords(RoleHistory roles)
    {
        ArgumentNullException.ThrowIfNull(roles);
        return roles.Has(Roles.AgencyAdmin) && ReadRecordsBefore(roles);
    }

    /// <summary>Managed cases or supervised mentors, now or in a role since taken away: their youth's records, their mentors' check-ins.</summary>
    private static bool ReadRecordsBefore(RoleHistory roles) => roles.Ever(Roles.CaseManager) || roles.Ever(Roles.Supervisor);

    /// <summary>
    /// Whether someone has a caseload report. Not an analyst, even one who also manages cases: their caseload subtracted
    /// from the agency's would count the other caseloads' youth in small groups, whose records an analyst may not read.
    /// </summary>
    public static bool HasCaseload(Func<string, bool> hasRole)
    {
        ArgumentNullException.ThrowIfNull(hasRole);
        return hasRole(Roles.CaseManager) && !hasRole(Roles.Analyst);
    }

    /// <summary>The query with the scope it is answered for, so the audit log says which report was read.</summary>
    public OutcomeQuery ScopedFor(RoleHistory roles) => this with { Scope = Scope ?? (SeesAgency(roles) ? Agency : Caseload) };

    /// <summary>As the audit log keeps a record id: no spaces (an id with one is not kept).</summary>
    public string Describe() => $"{Scope ?? Caseload}:{From}..{To}" + (PracticeChangedFrom is { } change ? $"~changed:{change}" : "");

    public void Validate(ValidationErrors errors)
    {
        var hasFrom = ReportPeriod.TryParseMonth(From, out var from) && from >= Earliest && from <= Latest;
        var hasTo = ReportPeriod.TryParseMonth(To, out var to) && to >= Earliest && to <= Latest;
        if (!hasFrom)
        {
            errors.Add("from", "A month as yyyy-MM, from 2000.");
        }

        if (!hasTo)
        {
            errors.Add("to", "A month as yyyy-MM, from 2000.");
        }

        if (hasFrom && hasTo && ReportPeriod.MonthsFrom(from, to) is < 1 or > ReportPeriod.MaxMonths)
        {
            errors.Add("to", $"From 1 to {ReportPeriod.MaxMonths} months after the first month.");
        }

        if (PracticeChangedFrom is not null && (!ReportPeriod.TryParseMonth(PracticeChangedFrom, out var change) || hasFrom && hasTo && (change <= from || change > to)))
        {
            errors.Add("practiceChangedFrom", "A month as yyyy-MM after the first month of the report and no later than its last.");
        }

        if (Scope is not (null or Agency or Caseload))
        {
            errors.Add("scope", $"One of: {Agency}, {Caseload}.");
        }
    }

    /// <summary>The months of a query the validation behaviour has already accepted.</summary>
    public ReportPeriod Period(TimeZoneInfo zone) =>
        ReportPeriod.TryParseMonth(From, out var from) && ReportPeriod.TryParseMonth(To, out var to)
            ? new ReportPeriod(from, ReportPeriod.MonthsFrom(from, to)) { Zone = zone }
            : throw new InvalidOperationException("The report's months were not validated.");
}

public sealed record GetOutcomeReport(OutcomeQuery Query) : IQuery<OutcomeReport>, IValidate, IAudited
{
    public AuditTarget Audit => new("outcomes.read", "outcomes", Query.Describe());

    public void Validate(ValidationErrors errors) => Query.Validate(errors);
}

public sealed record ExportOutcomeTable(OutcomeQuery Query, string Table) : IQuery<string>, IValidate, IAudited
{
    public AuditTarget Audit => new("outcomes.export", "outcomes", $"{Table}:{Query.Describe()}");

    public void Validate(ValidationErrors errors)
    {
        Query.Validate(errors);
        errors.Text("table", Table, 40);
    }
}

internal sealed class OutcomeReportHandlers(AgencyStore store, AgencyCalendar calendar, EngagementData engagements, SupervisionData supervision, MentoringData mentoring, ReportGate gate)
    : IQueryHandler<GetOutcomeReport, OutcomeReport>,
      IQueryHandler<ExportOutcomeTable, string>
{
    public const string Freshness = "Whole months up to last month, counted when you asked from the records as they stand now (a record added or corrected later changes the next report).";

    public async ValueTask<OutcomeReport> Handle(GetOutcomeReport query, CancellationToken ct) => await ReportAsync(query.Query, ct);

    public async ValueTask<string> Handle(ExportOutcomeTable query, CancellationToken ct)
    {
        // Refused before the report is worked out: a made-up table would otherwise cost a whole report's work.
        if (!OutcomeCalculator.TableKeys.Contains(query.Table))
        {
            throw new NotFoundException("table");
        }

        var report = await ReportAsync(query.Query, ct);
        var table = report.Tables.FirstOrDefault(t => t.Key == query.Table) ?? throw new NotFoundException("table");
        return OutcomeCsv.Write(report, table);
    }

    private async Task<OutcomeReport> ReportAsync(OutcomeQuery query, CancellationToken ct)
    {
        var user = store.User;
        var roles = RoleHistory.Of(user);
        var scope = query.ScopedFor(roles).Scope!;
        if (!OutcomeQuery.SeesAgency(roles) && user.IsInRole(Roles.Analyst))
        {
            throw new ForbiddenException(Roles.ReadPeopleBesideReports(Roles.All.Where(user.IsInRole))
                ? "An analyst who also holds another role has no report. Ask your agency admin to give that role to someone else."
                : "An analyst who managed cases or supervised mentors before does not see the agency's report: the records you read, taken from its counts, would show other people in groups too small to show. Ask an admin to read it.");
        }

        if (OutcomeQuery.AdminReadsRecords(roles) && (scope == OutcomeQuery.Agency || !OutcomeQuery.HasCaseload(user.IsInRole)))
        {
            throw new ForbiddenException(
                "An agency admin who also manages cases or supervises mentors, or did, does not see the agency's report: the records you read, taken from its counts, would show other people in groups too small to show. Ask another admin to read it.");
        }

        if (scope == OutcomeQuery.Agency && !OutcomeQuery.SeesAgency(roles))
        {
            throw new ForbiddenException("Your outcome report covers your own caseload.");
        }

        if (scope == OutcomeQuery.Caseload && !OutcomeQuery.HasCaseload(user.IsInRole))
        {
            throw new ForbiddenException("Only case managers have a caseload report.");
        }

        // A month still under way on the agency's wall would change from one day to the next, and the difference would
        // be today's records. One cut by a zone the agency used before may end some hours after today's zone's month.
        var today = await calendar.TodayAsync(ct);
        var agency = await store.ReadAsync<Agency>(Agency.Container, store.AgencyId, store.AgencyId, ct) ?? throw new NotFoundException("agency");
        var period = query.Period(calendar.Zone) with { FormerZones = AgencyCalendar.FormerZonesOf(agency) };
        if (period.FirstMonth.AddMonths(period.Months) > new DateOnly(today.Year, today.Month, 1) || period.End > store.Now)
        {
            throw new RequestValidationException("to", "Last month at the latest: a month still under way is not reported.");
        }

        using var turn = await gate.EnterAsync(store.AgencyId, ct);
        var youth = await store.AllAsync<YouthReferral>(YouthReferral.Container, [], ct);
        var allMatches = await store.AllAsync<Match>(Match.Container, [], ct);
        if (scope == OutcomeQuery.Caseload)
        {
            youth = [.. youth.Where(y => y.ActingCaseManagerIds.Contains(user.UserId, StringComparer.Ordinal))];
        }
        else
        {
            // An admin reads every other youth's record, so the agency's counts less those would be exactly the youth
            // kept from them (one they mentor, one never to be matched with them). Left out of every reader's report,
            // not only theirs: an analyst's (or another admin's) report, shared with them, less their own would be that
            // youth exactly. Refusing the report instead would tell them that such a youth exists.
            var kept = await mentoring.YouthKeptFromAnyAdminAsync(youth, allMatches, ct);
            youth = [.. youth.Where(y => !kept.Contains(y.Id))];
        }

        var ids = youth.Select(y => y.Id).ToHashSet(StringComparer.Ordinal);
        var matches = allMatches.Where(m => ids.Contains(m.YouthId)).ToList();
        var flags = (await store.AllAsync<SafetyFlag>(SafetyFlag.Container, [], ct)).Where(f => ids.Contains(f.YouthId)).ToList();
        var inputs = new OutcomeInputs(youth, matches, flags, scope == OutcomeQuery.Agency ? await AgencyInputsAsync(agency.ReportThreshold, ct) : null);

        int? change = query.PracticeChangedFrom is { } month && ReportPeriod.TryParseMonth(month, out var changed)
            ? ReportPeriod.MonthsFrom(period.FirstMonth, changed) - 1
            : null;
        var threshold = agency.ReportThreshold;
        var tables = Disclosure.Protect(OutcomeCalculator.Tables(inputs, period, change, store.Now), threshold, shownFrom: Agency.DefaultReportThreshold, ct)
            .Select(t => View(t, threshold))
            .ToList();
        return new OutcomeReport(scope, period.Label(0), period.Label(period.Months - 1), query.PracticeChangedFrom, threshold, store.Now, Freshness, calendar.ZoneLabel, tables);
    }

    private async Task<AgencyInputs> AgencyInputsAsync(int threshold, CancellationToken ct)
    {
        var settings = await engagements.SettingsAsync(ct);
        return new AgencyInputs(
            await store.AllAsync<Opportunity>(EngagementData.Container, [], ct),
            await store.AllAsync<CompensationClaim>(EngagementData.Container, [], ct),
            settings.Kinds,
            await store.AllAsync<Payout>(Payout.Container, [], ct),
            await store.AllAsync<CheckIn>(SupervisionData.Container, [], ct),
            await supervision.ActiveInstrumentAsync(ct),
            settings.Currency,
            threshold);
    }

    // A withheld cell does not say whether too few people are behind it or it is withheld to protect one: a cell known to
    // be withheld to protect (so at least the threshold) at one threshold, and "fewer than" the next after an admin
    // raised it by one, would be that number exactly, and the small one beside it with it. The table says why, for all.
    private static OutcomeTableView View(ProtectedTable table, int threshold)
    {
        var rows = new List<OutcomeRowView>();
        var withheld = 0;
        for (var r = 0; r < table.Rows.Count; r++)
        {
            var cells = new List<OutcomeCellView?>();
            for (var c = 0; c < table.Columns.Count; c++)
            {
                var cell = table.Cells[r, c];
                var shown = cell is null or { Withheld: Withheld.None };
                withheld += shown ? 0 : 1;
                cells.Add(cell is null ? null : shown
                    ? new OutcomeCellView(cell.Value, cell.Value!.Value.ToString("#,0.##", CultureInfo.InvariantCulture), null)
                    : new OutcomeCellView(null, "withheld", WithheldReason));
            }

            rows.Add(new OutcomeRowView(table.Rows[r], cells));
        }

        List<string> notes = withheld == 0 ? [] :
            [$"{Cells(withheld)} withheld, {(withheld == 1 ? "either" : "each either")} because fewer than {threshold} people are behind it or because it would let such a number be worked out from this report, its totals or another report."];
        return new OutcomeTableView(table.Key, table.Title, table.Columns, rows, table.Trend, notes);
    }

    private const string WithheldReason = "Withheld";

    private static string Cells(int count) => count == 1 ? "1 cell" : $"{count} cells";
}

/// <summary>One table of a report as CSV: a first row saying what it is and what was withheld and why, then the table.</summary>
public static class OutcomeCsv
{
    public static string Write(OutcomeReport report, OutcomeTableView table)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(table);
        var csv = new StringBuilder();
        var withheld = table.Withheld.Count == 0 ? "Nothing withheld." : string.Join(" ", table.Withheld);
        CsvText.Row(csv, [$"{table.Title}, {report.From} to {report.To} ({report.Scope}; months by {report.Clock}). Numbers with fewer than {report.Threshold} people behind them are withheld. {withheld}"]);
        CsvText.Row(csv, ["", .. table.Columns]);
        foreach (var row in table.Rows)
        {
            CsvText.Row(csv, [row.Label, .. row.Cells.Select(c => c?.Shown ?? "")]);
        }

        return csv.ToString();
    }
}
