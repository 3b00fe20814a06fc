using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Storage;
using static SurvivorConnect.IntegrationTests.OutcomesWorld;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// Outcome reports show what an agency's work achieves without exposing anyone: small numbers are withheld, and
/// a reader who subtracts one report from another over nearly the same months, or works back from totals, learns nothing.
/// </summary>
[Collection(SharedApi.Name)]
public sealed class OutcomeReportTests(ApiFactory api)
{
    public sealed record CellDto(decimal? Value, string Shown, string? Withheld);

    public sealed record RowDto(string Label, List<CellDto?> Cells);

    public sealed record TableDto(string Key, string Title, List<string> Columns, List<RowDto> Rows, bool Trend, List<string> Withheld);

    public sealed record ReportDto(string Scope, string From, string To, string? PracticeChangedFrom, int Threshold, string Freshness, string Clock, List<TableDto> Tables)
    {
        public CellDto Cell(string table, string row, string column)
        {
            var t = Tables.Single(x => x.Key == table);
            return t.Rows.Single(r => r.Label == row).Cells[t.Columns.IndexOf(column)]!;
        }
    }

    internal static async Task<ReportDto> ReportAsync(HttpClient client, string query) =>
        await HttpAssert.Ok<ReportDto>(await client.GetAsync("/api/outcomes?" + query));

    /// <summary>Twenty-five youth away once a month from January to May 2026, and three more referred and away only in June.</summary>
    private async Task<OutcomesWorld> SeededAsync()
    {
        var world = await CreateAsync(api);
        for (var i = 0; i < 25; i++)
        {
            await world.YouthAsync(In(2025, 12), null, In(2026, 1), In(2026, 2), In(2026, 3), In(2026, 4), In(2026, 5));
        }

        for (var i = 0; i < 3; i++)
        {
            await world.YouthAsync(In(2026, 6, 1), null, In(2026, 6, 12));
        }

        return world;
    }

    [Fact]
    public async Task An_analyst_reads_the_agency_report_and_each_youth_is_counted_once_and_the_reading_is_audited()
    {
        var world = await SeededAsync();

        var report = await ReportAsync(world.Analyst, "from=2026-01&to=2026-05");
        await ReportAsync(world.Analyst, "from=2026-01&to=2026-05&practiceChangedFrom=2026-03");
        var audit = await HttpAssert.Ok<JsonElement>(await world.Admin.GetAsync("/api/audit?action=outcomes.read"));

        Assert.Equal("agency", report.Scope);
        Assert.Equal(11, report.Threshold);
        Assert.Equal(25, report.Cell("missing-episodes", "Whole period", "Youth with an episode").Value);
        Assert.Equal(125, report.Cell("missing-episodes", "Whole period", "Episodes").Value);
        // Twenty-five served in every month, all away: the whole period's "served" beside its 25 away would say no youth
        // was not, so it is withheld, and the rate over it with it.
        Assert.Equal("Withheld", report.Cell("youth-served", "Youth served, each counted once", "Youth").Withheld);
        Assert.Null(report.Cell("missing-episodes", "Whole period", "Episodes per youth served").Value);
        Assert.Equal("withheld", report.Cell("missing-episodes", "Whole period", "Did not, or not known").Shown);
        Assert.Equal("Withheld", report.Cell("missing-episodes", "Whole period", "Contact rate (%)").Withheld);
        Assert.Equal(25, report.Cell("youth-served-by-month", "2026-03", "Youth").Value);
        Assert.Contains(report.Tables, t => t.Key == "engagements");
        Assert.Contains($"{world.AgencyId}-analyst", audit.GetRawText(), StringComparison.Ordinal);
        Assert.Contains("agency:2026-01..2026-05", audit.GetRawText(), StringComparison.Ordinal);
        Assert.Contains("agency:2026-01..2026-05~changed:2026-03", audit.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_reports_over_nearly_the_same_months_cannot_be_subtracted_to_single_anyone_out()
    {
        var world = await SeededAsync();
        string[] ranges = ["from=2026-01&to=2026-05", "from=2026-01&to=2026-06", "from=2026-02&to=2026-06", "from=2026-01&to=2026-07", "from=2025-12&to=2026-06"];
        var reports = new List<ReportDto>();
        foreach (var range in ranges)
        {
            reports.Add(await ReportAsync(world.Admin, range));
        }

        // The attacker: every pair of reports, every count both show, subtracted.
        var singledOut = new List<string>();
        foreach (var a in reports)
        {
            foreach (var b in reports.Where(b => b != a))
            {
                foreach (var table in a.Tables.Where(t => !t.Trend))
                {
                    var other = b.Tables.Single(t => t.Key == table.Key);
                    foreach (var row in table.Rows)
                    {
                        var otherRow = other.Rows.SingleOrDefault(r => r.Label == row.Label);
                        for (var c = 0; c < table.Columns.Count && otherRow is not null; c++)
                        {
                            if (table.Columns[c] is var column && (column.Contains("Median", StringComparison.Ordinal) || column.Contains("rate", StringComparison.Ordinal) || column.Contains("per", StringComparison.Ordinal)))
                            {
                                continue;
                            }

                            if (row.Cells[c]?.Value is { } x && row.Cells[c]!.Withheld is null && otherRow.Cells[c]?.Value is { } y && otherRow.Cells[c]!.Withheld is null
                                && Math.Abs(x - y) is > 0 and < 11)
                            {
                                singledOut.Add($"{table.Key}/{row.Label}/{column}: {a.From}..{a.To} vs {b.From}..{b.To}");
                            }
                        }
                    }
                }
            }
        }

        Assert.Empty(singledOut);
        var june = reports[1];
        Assert.Equal("Withheld", june.Cell("youth-served", "Youth served, each counted once", "Youth").Withheld);
        Assert.Equal("withheld", june.Cell("missing-episodes", "Whole period", "Youth with an episode").Shown);
        Assert.Equal("withheld", june.Cell("youth-served-by-month", "2026-06", "Youth").Shown);

        // Every youth was away: showing how many were, beside how many were served (or beside a month in which all 25 were
        // served or away, which the whole period's counts cannot be below), would say so of each.
        var first = reports[0];
        Assert.Equal("withheld", first.Cell("missing-episodes", "Whole period", "Youth without one").Shown);
        var served = first.Cell("missing-episodes", "Whole period", "Youth served");
        var away = first.Cell("missing-episodes", "Whole period", "Youth with an episode");
        Assert.False(served.Value is not null && away.Value is not null, "both the youth served and the youth away are shown");
        if (served.Value is null)
        {
            Assert.Equal("Withheld", first.Cell("youth-served", "Youth served, each counted once", "Youth").Withheld);
        }
        else
        {
            Assert.DoesNotContain(first.Tables.Single(t => t.Key == "missing-by-month").Rows, r => r.Cells[0]?.Value == 25);
        }
    }

    [Fact]
    public async Task A_month_reported_alone_or_beside_a_practice_change_shows_on_the_charts_only_what_its_table_row_shows()
    {
        var world = await SeededAsync();

        // Every youth served in March was away in March: served and away, both shown anywhere, would say so of each.
        foreach (var (range, row, month) in new[]
        {
            ("from=2026-03&to=2026-03", "Whole period", "2026-03"),
            ("from=2026-01&to=2026-05&practiceChangedFrom=2026-05", "From the practice change", "2026-05"),
            ("from=2026-01&to=2026-05&practiceChangedFrom=2026-02", "Before the practice change", "2026-01"),
        })
        {
            var report = await ReportAsync(world.Analyst, range);
            var served = report.Cell("missing-episodes", row, "Youth served");
            var away = report.Cell("missing-episodes", row, "Youth with an episode");

            Assert.Equal("withheld", report.Cell("missing-episodes", row, "Youth without one").Shown);
            Assert.Equal(served, report.Cell("youth-served-by-month", month, "Youth"));
            Assert.Equal(away, report.Cell("missing-by-month", month, "Youth"));
            Assert.False(served.Withheld is null && away.Withheld is null, $"{range}: {served.Shown} served, {away.Shown} away");
        }
    }

    [Fact]
    public async Task Shorter_reports_added_to_or_taken_from_a_longer_one_single_out_nobody()
    {
        // January to March 2026: twelve youth away only in January, twelve only in March, eleven in January and February,
        // eleven in February and March, and two only in February. January–March less January less March would be those two.
        // Eleven more referred in January and in March are never away.
        var world = await CreateAsync(api);
        foreach (var (count, months) in new[] { (12, new[] { 1 }), (12, [3]), (11, [1, 2]), (11, [2, 3]), (2, [2]) })
        {
            for (var i = 0; i < count; i++)
            {
                await world.YouthAsync(In(2026, months[0], 1), null, [.. months.Select(m => In(2026, m))]);
            }
        }

        for (var i = 0; i < 11; i++)
        {
            await world.YouthAsync(In(2026, 1, 1));
            await world.YouthAsync(In(2026, 3, 1));
        }

        var reports = new Dictionary<(int From, int To), ReportDto>();
        foreach (var (from, to) in new[] { (1, 1), (2, 2), (3, 3), (1, 2), (2, 3), (1, 3) })
        {
            reports[(from, to)] = await ReportAsync(world.Admin, $"from=2026-{from:00}&to=2026-{to:00}");
        }

        // The attacker: two shorter reports covering a longer one, added up less it; and a longer one less the reports
        // before and after a middle month.
        var singledOut = new List<string>();
        void Try(string how, (int, int) whole, (int, int) a, (int, int) b, int sign)
        {
            foreach (var table in reports[whole].Tables.Where(t => !t.Trend))
            {
                foreach (var row in table.Rows)
                {
                    for (var c = 0; c < table.Columns.Count; c++)
                    {
                        var column = table.Columns[c];
                        if (column.Contains("Median", StringComparison.Ordinal) || column.Contains("rate", StringComparison.Ordinal) || column.Contains("per", StringComparison.Ordinal))
                        {
                            continue;
                        }

                        decimal? Shown((int, int) range) => reports[range].Tables.Single(t => t.Key == table.Key).Rows.SingleOrDefault(r => r.Label == row.Label)?.Cells[c]
                            is { Withheld: null, Value: { } value } ? value : null;
                        if (Shown(whole) is { } w && Shown(a) is { } x && Shown(b) is { } y && sign * (x + y - w) is > 0 and < 11)
                        {
                            singledOut.Add($"{how}: {table.Key}/{row.Label}/{column} = {sign * (x + y - w)}");
                        }
                    }
                }
            }
        }

        Try("Jan–Feb + Feb–Mar − Jan–Mar", (1, 3), (1, 2), (2, 3), 1);
        Try("Jan + Feb–Mar − Jan–Mar", (1, 3), (1, 1), (2, 3), 1);
        Try("Jan–Feb + Mar − Jan–Mar", (1, 3), (1, 2), (3, 3), 1);
        Try("Jan + Feb − Jan–Feb", (1, 2), (1, 1), (2, 2), 1);
        Try("Feb + Mar − Feb–Mar", (2, 3), (2, 2), (3, 3), 1);
        Try("Jan–Mar − Jan − Mar", (1, 3), (1, 1), (3, 3), -1);

        Assert.Empty(singledOut);
        Assert.Equal(23, reports[(1, 1)].Cell("missing-episodes", "Whole period", "Youth with an episode").Value);
        Assert.Equal(23, reports[(3, 3)].Cell("missing-episodes", "Whole period", "Youth with an episode").Value);
        Assert.Null(reports[(1, 3)].Cell("missing-episodes", "Whole period", "Youth with an episode").Value);
    }

    [Fact]
    public async Task A_report_asked_for_while_the_agencys_own_or_as_many_as_an_instance_works_out_at_once_are_under_way_is_refused_as_busy_not_queued_without_end()
    {
        var world = await SeededAsync();
        using var twoAtOnce = api.WithWebHostBuilder(b => b.UseSetting("Reports:AtOnce", "2").UseSetting("Reports:WaitSeconds", "0"));
        using var analyst = twoAtOnce.CreateClient();
        analyst.DefaultRequestHeaders.Authorization = world.Analyst.DefaultRequestHeaders.Authorization;
        var gate = twoAtOnce.Services.GetRequiredService<SurvivorConnect.Api.Features.Outcomes.ReportGate>();
        async Task RefusedAsync()
        {
            using var refused = await analyst.GetAsync("/api/outcomes?from=2026-01&to=2026-05");
            var problem = await HttpAssert.Problem(refused, 503);
            Assert.Equal("Busy.", problem.GetProperty("title").GetString());
            Assert.Equal(TimeSpan.FromSeconds(30), refused.Headers.RetryAfter?.Delta);
        }

        // Another agency's report under way leaves this agency a turn; one of this agency's own does not, and leaves the other agencies theirs.
        using (await gate.EnterAsync("another-agency", CancellationToken.None))
        {
            Assert.Equal("agency", (await ReportAsync(analyst, "from=2026-01&to=2026-05")).Scope);
        }

        using (await gate.EnterAsync(world.AgencyId, CancellationToken.None))
        {
            await RefusedAsync();
            using (await gate.EnterAsync("another-agency", CancellationToken.None))
            {
            }
        }

        using (await gate.EnterAsync("one-agency", CancellationToken.None))
        using (await gate.EnterAsync("another-agency", CancellationToken.None))
        {
            await RefusedAsync();
        }

        Assert.Equal("agency", (await ReportAsync(analyst, "from=2026-01&to=2026-05")).Scope);
    }

    [Fact]
    public async Task A_report_for_days_rather_than_whole_months_or_too_long_or_a_month_still_under_way_is_refused()
    {
        var world = await CreateAsync(api);
        var thisMonth = DateTimeOffset.UtcNow.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);

        await HttpAssert.Problem(await world.Admin.GetAsync("/api/outcomes?from=2026-01-01&to=2026-06-30"), 400);
        await HttpAssert.Problem(await world.Admin.GetAsync("/api/outcomes?from=2026-06&to=2026-01"), 400);
        await HttpAssert.Problem(await world.Admin.GetAsync("/api/outcomes?from=2022-01&to=2026-01"), 400);
        await HttpAssert.Problem(await world.Admin.GetAsync($"/api/outcomes?from=2026-01&to={thisMonth}"), 400);
        await HttpAssert.Problem(await world.Admin.GetAsync("/api/outcomes?from=9999-12&to=9999-12"), 400);
        await HttpAssert.Problem(await world.Admin.GetAsync("/api/outcomes?from=0001-01&to=0001-12"), 400);
        await HttpAssert.Problem(await world.Admin.GetAsync("/api/outcomes?from=2026-01&to=2026-06&practiceChangedFrom=2026-01"), 400);
        await HttpAssert.Problem(await world.Admin.GetAsync("/api/outcomes?from=2026-01&to=2026-06&scope=everyone"), 400);
        await HttpAssert.Problem(await world.Admin.GetAsync("/api/outcomes/no-such-table.csv?from=2026-01&to=2026-06"), 404);
    }

    [Fact]
    public async Task A_case_manager_sees_their_own_caseload_only_and_never_the_agency()
    {
        var world = await CreateAsync(api);
        // Some youth away, as many not: a caseload where everyone was away would say so of each.
        for (var i = 0; i < 24; i++)
        {
            await world.YouthAsync(In(2026, 2), world.CaseManagerId, i < 12 ? [In(2026, 3)] : []);
        }

        for (var i = 0; i < 30; i++)
        {
            await world.YouthAsync(In(2026, 2), world.OtherCaseManagerId, i < 15 ? [In(2026, 3)] : []);
        }

        // A record written before a case manager on the youth's do-not-match list stopped being theirs is not their caseload.
        var listed = await world.YouthAsync(In(2026, 2), world.OtherCaseManagerId, [In(2026, 3)]);
        await api.Services.GetRequiredService<IDocumentStore>().ReplaceAsync(YouthReferral.Container,
            listed with { CaseManagerIds = [world.OtherCaseManagerId, world.CaseManagerId], DoNotMatch = [world.CaseManagerId] }, listed.ETag!, default);

        var mine = await ReportAsync(world.CaseManager, "from=2026-01&to=2026-06");
        var agency = await ReportAsync(world.Admin, "from=2026-01&to=2026-06");

        Assert.Equal("caseload", mine.Scope);
        Assert.Equal(24, mine.Cell("youth-served", "Youth served, each counted once", "Youth").Value);
        Assert.Equal(12, mine.Cell("missing-episodes", "Whole period", "Youth with an episode").Value);
        Assert.DoesNotContain(mine.Tables, t => t.Key is "engagements" or "payouts" or "wellbeing");
        Assert.Equal(55, agency.Cell("youth-served", "Youth served, each counted once", "Youth").Value);
        await HttpAssert.Problem(await world.CaseManager.GetAsync("/api/outcomes?from=2026-01&to=2026-06&scope=agency"), 403);
        await HttpAssert.Problem(await world.Analyst.GetAsync("/api/outcomes?from=2026-01&to=2026-06&scope=caseload"), 403);
        await HttpAssert.Problem(await world.Analyst.GetAsync("/api/youth"), 403);

        // An analyst who also manages cases (made so before it was refused) has no report: their caseload's records,
        // taken from the agency's report, would count the other caseloads' youth in small groups.
        await HttpAssert.Problem(await world.AnalystCaseManager.GetAsync("/api/outcomes?from=2026-01&to=2026-06&scope=caseload"), 403);
        var none = await HttpAssert.Problem(await world.AnalystCaseManager.GetAsync("/api/outcomes?from=2026-01&to=2026-06"), 403);
        Assert.Contains("also holds another role", none.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await HttpAssert.Problem(await world.AnalystCaseManager.GetAsync("/api/outcomes?from=2026-01&to=2026-06&scope=agency"), 403);
        Assert.DoesNotContain("href=\"/outcomes\"", await world.AnalystCaseManager.GetStringAsync("/notifications"), StringComparison.Ordinal);
        Assert.Contains("href=\"/outcomes\"", await world.Analyst.GetStringAsync("/notifications"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_admin_who_also_manages_cases_or_supervises_mentors_cannot_take_their_own_people_from_the_agency_s_report()
    {
        var world = await SeededAsync();
        for (var i = 0; i < 12; i++)
        {
            await world.YouthAsync(In(2026, 2), world.AdminCaseManagerId, i < 6 ? [In(2026, 3)] : []);
        }

        var mine = await ReportAsync(world.AdminCaseManager, "from=2026-01&to=2026-06");

        Assert.Equal("caseload", mine.Scope);
        Assert.Equal(12, mine.Cell("youth-served", "Youth served, each counted once", "Youth").Value);
        var refused = await HttpAssert.Problem(await world.AdminCaseManager.GetAsync("/api/outcomes?from=2026-01&to=2026-06&scope=agency"), 403);
        Assert.Contains("does not see the agency's report", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await HttpAssert.Problem(await world.AdminCaseManager.GetAsync("/api/outcomes/youth-served.csv?from=2026-01&to=2026-06&scope=agency"), 403);
        // A made-up table is refused before any report is worked out (or its reader's right to one looked at).
        await HttpAssert.Problem(await world.AdminCaseManager.GetAsync("/api/outcomes/no-such-table.csv?from=2026-01&to=2026-06&scope=agency"), 404);
        await HttpAssert.Problem(await world.AdminSupervisor.GetAsync("/api/outcomes?from=2026-01&to=2026-06"), 403);
        await HttpAssert.Problem(await world.AdminSupervisor.GetAsync("/api/outcomes?from=2026-01&to=2026-06&scope=agency"), 403);
        Assert.DoesNotContain("href=\"/outcomes\"", await world.AdminSupervisor.GetStringAsync("/notifications"), StringComparison.Ordinal);
        Assert.DoesNotContain("Whose youth", await world.AdminCaseManager.GetStringAsync("/outcomes"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_youth_kept_from_an_admin_is_in_nobody_s_agency_report_so_it_cannot_be_worked_back_from_the_records_they_read_or_from_another_s_report()
    {
        var world = await SeededAsync();
        var store = api.Services.GetRequiredService<IDocumentStore>();
        var formerAdmin = $"{world.AgencyId}-former-admin";
        await store.CreateAsync(Person.Container, new Person
        {
            Id = formerAdmin, PartitionKey = world.AgencyId, AgencyId = world.AgencyId, DisplayName = "Former admin", Roles = [Roles.Analyst],
            FormerRoles = [Roles.AgencyAdmin], CreatedAt = DateTimeOffset.UtcNow,
        }, default);
        var listed = await world.YouthAsync(In(2025, 12), null, In(2026, 1), In(2026, 2), In(2026, 3), In(2026, 4), In(2026, 5));
        var before = await ReportAsync(world.Analyst, "from=2026-01&to=2026-05");
        await store.ReplaceAsync(YouthReferral.Container, listed with { DoNotMatch = [$"{world.AgencyId}-admin", formerAdmin] }, listed.ETag!, default);

        var admins = await ReportAsync(world.Admin, "from=2026-01&to=2026-05");
        var analysts = await ReportAsync(world.Analyst, "from=2026-01&to=2026-05");

        // Nor once they only analyse: the records they read as admin are still known to them.
        var former = await ReportAsync(api.AsSubject(formerAdmin, world.AgencyId), "from=2026-01&to=2026-05");
        Assert.Equal(25, former.Cell("missing-episodes", "Whole period", "Youth with an episode").Value);

        Assert.Equal("agency", admins.Scope);
        Assert.Equal(25, admins.Cell("missing-episodes", "Whole period", "Youth with an episode").Value);
        Assert.Equal(125, admins.Cell("missing-episodes", "Whole period", "Episodes").Value);
        // The analyst's report, which the admin may well be shown, counts the same youth as theirs.
        Assert.Equal(26, before.Cell("missing-episodes", "Whole period", "Youth with an episode").Value);
        Assert.Equal(25, analysts.Cell("missing-episodes", "Whole period", "Youth with an episode").Value);
        await HttpAssert.Problem(await world.Admin.GetAsync($"/api/youth/{listed.Id}"), 404);
    }

    [Fact]
    public async Task An_analyst_who_was_a_case_manager_before_does_not_see_the_agency_s_report()
    {
        var world = await SeededAsync();
        var id = $"{world.AgencyId}-former-case-manager";
        await api.Services.GetRequiredService<IDocumentStore>().CreateAsync(Person.Container, new Person
        {
            Id = id, PartitionKey = world.AgencyId, AgencyId = world.AgencyId, DisplayName = "Former case manager", Roles = [Roles.Analyst],
            FormerRoles = [Roles.CaseManager], CreatedAt = DateTimeOffset.UtcNow,
        }, default);

        var refused = await HttpAssert.Problem(await api.AsSubject(id, world.AgencyId).GetAsync("/api/outcomes?from=2026-01&to=2026-06&scope=agency"), 403);
        Assert.Contains("managed cases or supervised mentors before", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // One who only advised before (paid work, no one's records) reads it as any analyst does.
        var advisor = $"{world.AgencyId}-former-advisor";
        await api.Services.GetRequiredService<IDocumentStore>().CreateAsync(Person.Container, new Person
        {
            Id = advisor, PartitionKey = world.AgencyId, AgencyId = world.AgencyId, DisplayName = "Former advisor", Roles = [Roles.Analyst],
            FormerRoles = [Roles.Advisor], CreatedAt = DateTimeOffset.UtcNow,
        }, default);
        await ReportAsync(api.AsSubject(advisor, world.AgencyId), "from=2026-01&to=2026-05");
    }

    [Fact]
    public async Task An_admin_whose_supervisor_role_is_taken_away_still_does_not_see_the_agency_s_report()
    {
        var world = await SeededAsync();
        var id = $"{world.AgencyId}-admin-supervisor";
        var person = await world.Admin.GetAsync($"/api/people/{id}");
        using var onlyAdmin = new HttpRequestMessage(HttpMethod.Put, $"/api/people/{id}/roles") { Content = JsonContent.Create(new { roles = new[] { Roles.AgencyAdmin } }) };
        onlyAdmin.Headers.TryAddWithoutValidation("If-Match", person.Headers.ETag!.Tag);
        await HttpAssert.Ok<JsonElement>(await world.Admin.SendAsync(onlyAdmin));

        var refused = await HttpAssert.Problem(await world.AdminSupervisor.GetAsync("/api/outcomes?from=2026-01&to=2026-06"), 403);
        Assert.Contains("or did", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await HttpAssert.Problem(await world.AdminSupervisor.GetAsync("/api/outcomes/youth-served.csv?from=2026-01&to=2026-06&scope=agency"), 403);
        Assert.DoesNotContain("href=\"/outcomes\"", await world.AdminSupervisor.GetStringAsync("/notifications"), StringComparison.Ordinal);
        await HttpAssert.Ok<JsonElement>(await world.Admin.GetAsync("/api/outcomes?from=2026-01&to=2026-06"));
    }

    [Fact]
    public async Task No_name_note_or_record_id_appears_in_a_report_or_its_csv()
    {
        var world = await SeededAsync();

        var json = await (await world.Admin.GetAsync("/api/outcomes?from=2026-01&to=2026-06")).Content.ReadAsStringAsync();
        var csv = await world.Admin.GetAsync("/api/outcomes/missing-episodes.csv?from=2026-01&to=2026-06");
        var text = await csv.Content.ReadAsStringAsync();

        foreach (var secret in new[] { "Private name", "Private stage note", world.AgencyId + "-y" })
        {
            Assert.DoesNotContain(secret, json, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("attachment", csv.Content.Headers.ContentDisposition?.DispositionType);
        var lines = text.TrimStart('\uFEFF').Split("\r\n");
        Assert.Contains("withheld", lines[0], StringComparison.Ordinal);
        Assert.Contains("fewer than 11 people", lines[0], StringComparison.Ordinal);
        Assert.StartsWith(",Youth served,", lines[1], StringComparison.Ordinal);
        Assert.Contains("withheld", lines[2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_agency_may_raise_its_threshold_but_never_lower_it_below_eleven()
    {
        var world = await CreateAsync(api);
        for (var i = 0; i < 28; i++)
        {
            await world.YouthAsync(In(2026, 2), null, i < 14 ? [In(2026, 3)] : []);
        }

        var before = await ReportAsync(world.Admin, "from=2026-01&to=2026-06");
        await HttpAssert.Problem(await world.Admin.PutAgencySetting("/api/agency/report-threshold", new { threshold = 5 }), 400);
        await HttpAssert.Ok<JsonElement>(await world.Admin.PutAgencySetting("/api/agency/report-threshold", new { threshold = 15 }));
        var after = await ReportAsync(world.Admin, "from=2026-01&to=2026-06");

        Assert.Equal(14, before.Cell("missing-episodes", "Whole period", "Youth with an episode").Value);
        Assert.Equal(15, after.Threshold);
        Assert.Equal("withheld", after.Cell("missing-episodes", "Whole period", "Youth with an episode").Shown);
    }

    [Fact]
    public async Task A_withheld_cell_does_not_say_whether_it_is_small_so_reads_either_side_of_a_threshold_raise_cannot_pin_a_small_count()
    {
        // Sixteen served, five of them away: at 11 "five" is too few, and "eleven without one" would give it away.
        var world = await CreateAsync(api);
        for (var i = 0; i < 16; i++)
        {
            await world.YouthAsync(In(2026, 2), null, i < 5 ? [In(2026, 3)] : []);
        }

        var atEleven = await ReportAsync(world.Analyst, "from=2026-01&to=2026-06");
        await HttpAssert.Ok<JsonElement>(await world.Admin.PutAgencySetting("/api/agency/report-threshold", new { threshold = 12 }));
        var atTwelve = await ReportAsync(world.Analyst, "from=2026-01&to=2026-06");

        foreach (var report in new[] { atEleven, atTwelve })
        {
            var cells = report.Tables.SelectMany(t => t.Rows).SelectMany(r => r.Cells).OfType<CellDto>().ToList();
            Assert.All(cells, c => Assert.True(c.Withheld is null || (c is { Shown: "withheld", Value: null, Withheld: "Withheld" }), c.Shown));
            Assert.Contains(cells, c => c.Withheld is not null);
            Assert.Equal("withheld", report.Cell("missing-episodes", "Whole period", "Youth with an episode").Shown);
        }

        Assert.Equal(atEleven.Cell("missing-episodes", "Whole period", "Youth without one"), atTwelve.Cell("missing-episodes", "Whole period", "Youth without one"));
    }

    [Fact]
    public async Task A_threshold_saved_from_a_stale_page_does_not_undo_another_admins_raise()
    {
        var world = await CreateAsync(api);
        var seen = await HttpAssert.Ok<JsonElement>(await world.Admin.GetAsync("/api/agency"));
        await HttpAssert.Ok<JsonElement>(await world.Admin.PutAgencySetting("/api/agency/report-threshold", new { threshold = 25 }));

        await HttpAssert.Problem(await world.Admin.PutJson("/api/agency/report-threshold", new { threshold = 15 }, seen.GetProperty("version").GetString()), 412);
        await HttpAssert.Problem(await world.Admin.PutJson("/api/agency/report-threshold", new { threshold = 15 }, null), 428);
        await HttpAssert.Problem(await world.Admin.PutJson("/api/agency/time-zone", new { timeZone = "UTC" }, seen.GetProperty("version").GetString()), 412);

        Assert.Equal(25, (await HttpAssert.Ok<JsonElement>(await world.Admin.GetAsync("/api/agency"))).GetProperty("reportThreshold").GetInt32());
    }

    [Fact]
    public async Task A_report_read_at_eleven_is_still_known_after_the_threshold_is_raised_so_it_cannot_be_subtracted_then()
    {
        var world = await CreateAsync(api);
        for (var i = 0; i < 16; i++)
        {
            await world.YouthAsync(In(2025, 12), null, i < 12 ? In(2026, 1 + i % 3) : In(2026, 4));
        }

        var firstQuarter = await ReportAsync(world.Admin, "from=2026-01&to=2026-03");
        await HttpAssert.Ok<JsonElement>(await world.Admin.PutAgencySetting("/api/agency/report-threshold", new { threshold = 15 }));
        var fourMonths = await ReportAsync(world.Admin, "from=2026-01&to=2026-04");

        Assert.Equal(12, firstQuarter.Cell("missing-episodes", "Whole period", "Youth with an episode").Value);
        Assert.Null(fourMonths.Cell("missing-episodes", "Whole period", "Youth with an episode").Value);
    }

    [Fact]
    public async Task Another_agency_s_report_counts_none_of_this_agency_s_youth()
    {
        var world = await SeededAsync();
        var other = await CreateAsync(api);

        var report = await ReportAsync(other.Admin, "from=2026-01&to=2026-06");

        Assert.Equal("withheld", report.Cell("youth-served", "Youth served, each counted once", "Youth").Shown);
        Assert.Null(report.Cell("youth-served", "Youth served, each counted once", "Youth").Value);
        Assert.NotEqual(world.AgencyId, other.AgencyId);
    }
}
