using System.Net;
using System.Net.Http.Headers;

namespace SurvivorConnect.IntegrationTests;

/// <summary>Rate limits that stop a flood without stopping anyone else, and never the platform's health probes.</summary>
public sealed class RequestLimitTests(RequestLimitTests.Factory api) : IClassFixture<RequestLimitTests.Factory>
{
    public sealed class Factory : ApiFactory
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
        {
            ["Api:PermitsPerMinutePerUser"] = "30",
            ["Api:AnonymousPermitsPerMinute"] = "10",
            ["Api:SignInPermitsPerMinute"] = "3",
            ["Api:PublicDocumentPermitsPerMinute"] = "40",
            ["Api:ReportPermitsPerMinute"] = "3",
        };
    }

    [Fact]
    public async Task Outcome_reports_each_read_the_agencys_whole_history_so_one_person_asks_for_a_few_a_minute_and_others_still_can()
    {
        const string Months = "?from=2026-01&to=2026-03";
        var analyst = api.As("demo-analyst");
        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 8; i++)
        {
            answers.Add((await analyst.GetAsync("/api/outcomes" + Months)).StatusCode);
        }

        // A one-minute window may roll over once: at most two windows' worth get through.
        Assert.True(answers.Count(s => s == HttpStatusCode.TooManyRequests) >= 8 - (2 * 3), string.Join(", ", answers));
        Assert.Equal(HttpStatusCode.TooManyRequests, (await analyst.GetAsync("/api/outcomes/youth-served.csv" + Months)).StatusCode);
        var page = await PortalSession.SignedInAsync(api, "demo-analyst");
        Assert.Equal(HttpStatusCode.TooManyRequests, (await page.BrowseAsync("/outcomes" + Months)).StatusCode);

        // Someone else's reports, and the analyst's other requests, go on.
        Assert.Equal(HttpStatusCode.OK, (await api.As("demo-admin").GetAsync("/api/outcomes" + Months)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await analyst.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task Finances_year_reads_each_read_the_whole_year_so_one_approver_asks_for_a_few_a_minute()
    {
        var finance = api.As("demo-finance");
        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 8; i++)
        {
            answers.Add((await finance.GetAsync("/api/payouts/totals")).StatusCode);
        }

        // A one-minute window may roll over once: at most two windows' worth get through.
        Assert.True(answers.Count(s => s == HttpStatusCode.TooManyRequests) >= 8 - (2 * 3), string.Join(", ", answers));
        Assert.Equal(HttpStatusCode.TooManyRequests, (await finance.GetAsync("/api/payouts/export.csv")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await finance.GetAsync("/api/payouts/reconciliation")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await finance.GetAsync("/api/payouts")).StatusCode);
    }

    [Fact]
    public async Task A_flood_of_bad_tokens_is_limited_but_health_and_signed_in_people_are_not()
    {
        var forged = api.Anonymous();
        forged.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-token");

        var flood = new List<HttpResponseMessage>();
        for (var i = 0; i < 40; i++)
        {
            flood.Add(await forged.GetAsync("/api/me"));
        }

        // A one-minute window may roll over once during the flood: at most two windows' worth get through.
        var limited = flood.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.True(limited.Count >= 40 - (2 * 10), $"only {limited.Count} of the flood were limited");
        await HttpAssert.Problem(limited[0], 429);
        Assert.All(limited, r => Assert.InRange(r.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 60));
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await api.Anonymous().GetAsync("/health/live")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await api.Anonymous().GetAsync("/health/ready")).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await api.As("demo-mentor").GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task A_browser_over_the_budget_is_shown_a_portal_page_that_says_to_wait_with_the_exit_button()
    {
        var statuses = new List<HttpResponseMessage>();
        for (var i = 0; i < 25; i++)
        {
            statuses.Add(await api.Anonymous().BrowseAsync("/help"));
        }

        // Over two budgets of 10, so some are limited even if the one-minute window rolls over meanwhile.
        var limited = statuses.First(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        var html = await limited.Content.ReadAsStringAsync();
        Assert.Contains("Please wait a moment", html, StringComparison.Ordinal);
        Assert.Contains("data-exit", html, StringComparison.Ordinal);
        Assert.NotNull(limited.Headers.RetryAfter?.Delta);
        HttpAssert.MayNotBeFramedOrSniffed(limited);

        // Over the budget, the exit still works at once.
        var left = await api.Anonymous().BrowseAsync("/exit");
        Assert.Equal(HttpStatusCode.Redirect, left.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await api.Anonymous().PostAsync("/exit", null)).StatusCode);
    }

    [Fact]
    public async Task One_person_over_their_budget_is_limited_with_retry_after_and_others_are_not()
    {
        var busy = api.As("demo-supervisor");
        var statuses = new List<HttpResponseMessage>();
        for (var i = 0; i < 65; i++)
        {
            statuses.Add(await busy.GetAsync("/api/me"));
        }

        // Over two budgets of 30, so some are limited even if the one-minute window rolls over meanwhile.
        var limited = statuses.First(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        await HttpAssert.Problem(limited, 429);
        Assert.NotNull(limited.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.OK, (await api.As("demo-recruiter").GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task A_flood_of_made_up_addresses_counts_against_the_budget_as_any_other_request()
    {
        var page = await PortalSession.SignedInAsync(api, "demo-youth");
        var statuses = new List<HttpResponseMessage>();
        for (var i = 0; i < 65; i++)
        {
            statuses.Add(await page.BrowseAsync($"/no-such-page-{i}"));
        }

        // Over two budgets of 30, so some are limited even if the one-minute window rolls over meanwhile.
        Assert.Equal(HttpStatusCode.NotFound, statuses[0].StatusCode);
        var limited = statuses.First(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.Contains("Please wait a moment", await limited.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await api.As("demo-youth").GetAsync("/api/me")).StatusCode);
    }
}

/// <summary>Sign-in apart from the rest, so no other test's traffic from the same address counts against it.</summary>
public sealed class SignInLimitTests(SignInLimitTests.Factory api) : IClassFixture<SignInLimitTests.Factory>
{
    public sealed class Factory : ApiFactory
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
        {
            ["Api:SignInPermitsPerMinute"] = "3",
        };
    }

    [Fact]
    public async Task Sign_in_has_a_strict_limit_of_its_own()
    {
        var client = api.Anonymous();
        var responses = new List<HttpResponseMessage>();
        for (var i = 0; i < 7; i++)
        {
            responses.Add(await client.PostJson("/dev/token", new { userId = "demo-youth" }));
        }

        // Over two budgets of 3, so some are limited even if the one-minute window rolls over meanwhile.
        Assert.Equal(HttpStatusCode.OK, responses[0].StatusCode);
        var limited = responses.First(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        await HttpAssert.Problem(limited, 429);
        Assert.NotNull(limited.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.OK, (await api.Anonymous().GetAsync("/dev/users")).StatusCode);
    }
}
