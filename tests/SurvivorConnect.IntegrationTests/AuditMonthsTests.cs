using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Api.Features.Audit;
using SurvivorConnect.Storage;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// An agency's audit log is filed a month at a time (one partition would fill up), and entries written before that began
/// stay where they were: the log still reads as one, newest first, page by page and by dates.
/// </summary>
public sealed class AuditMonthsTests(ClockedApiFactory api) : IClassFixture<ClockedApiFactory>
{
    [Fact]
    public async Task The_log_pages_newest_first_across_months_and_on_into_the_entries_written_before_months()
    {
        var admin = api.As("demo-admin");
        var probe = "months-probe-" + Guid.NewGuid().ToString("N")[..8];
        var earlier = await FiledBeforeMonthsAsync(probe, new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero));
        await admin.GetAsync($"/api/people/{probe}");
        api.Time.Advance(TimeSpan.FromDays(31));
        await admin.GetAsync($"/api/people/{probe}");
        api.Time.Advance(TimeSpan.FromDays(62));
        await admin.GetAsync($"/api/people/{probe}");

        List<AuditDto> read = [];
        var url = $"/api/audit?recordId={probe}&pageSize=2";
        for (var next = url; next is not null;)
        {
            var page = await HttpAssert.Ok<PageDto<AuditDto>>(await admin.GetAsync(next));
            read.AddRange(page.Items);
            next = page.ContinuationToken is { } token ? url + "&continuationToken=" + Uri.EscapeDataString(token) : null;
        }

        Assert.Equal(4, read.Count);
        Assert.Equal(read.OrderByDescending(e => e.At).Select(e => e.Id), read.Select(e => e.Id));
        Assert.Equal(earlier.Id, read[^1].Id);

        // Each month's entries are in a partition of their own.
        var store = api.Services.GetRequiredService<IDocumentStore>();
        foreach (var entry in read.Take(3))
        {
            var month = entry.At.UtcDateTime.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
            Assert.NotNull(await store.ReadAsync<AuditEntry>(AuditEntry.Container, entry.Id, $"demo~{month}", CancellationToken.None));
        }

        // Dates pick out one month's entries, and reach back to those written before months began.
        var second = read[1].At.UtcDateTime;
        var day = second.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var oneDay = await HttpAssert.Ok<PageDto<AuditDto>>(await admin.GetAsync($"/api/audit?recordId={probe}&from={day}&to={day}"));
        Assert.Equal(read[1].Id, Assert.Single(oneDay.Items).Id);
        var november = await HttpAssert.Ok<PageDto<AuditDto>>(await admin.GetAsync($"/api/audit?recordId={probe}&from=2026-11-01&to=2026-11-30"));
        Assert.Equal(earlier.Id, Assert.Single(november.Items).Id);
    }

    [Fact]
    public async Task Entries_written_in_the_first_month_before_the_release_that_files_months_are_found_by_their_dates()
    {
        var probe = "first-month-probe-" + Guid.NewGuid().ToString("N")[..8];
        var beforeDeploy = await FiledBeforeMonthsAsync(probe, new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero));

        var found = await HttpAssert.Ok<PageDto<AuditDto>>(await api.As("demo-admin").GetAsync($"/api/audit?recordId={probe}&from=2026-12-01&to=2026-12-05"));

        Assert.Equal(beforeDeploy.Id, Assert.Single(found.Items).Id);
    }

    /// <summary>An entry about <paramref name="recordId"/> as the release before months were filed wrote it: in the agency's own partition.</summary>
    private async Task<AuditEntry> FiledBeforeMonthsAsync(string recordId, DateTimeOffset at) =>
        await api.Services.GetRequiredService<IDocumentStore>().CreateAsync(AuditEntry.Container, new AuditEntry
        {
            Id = $"{at.UtcDateTime:yyyyMMddHHmmssfffffff}-{Guid.NewGuid():N}", PartitionKey = "demo", AgencyId = "demo",
            At = at, ActorId = "demo-admin", ActorRoles = ["AgencyAdmin"],
            Action = "person.read", RecordType = "person", RecordId = recordId, Outcome = AuditOutcome.NotFound,
        }, CancellationToken.None);
}
