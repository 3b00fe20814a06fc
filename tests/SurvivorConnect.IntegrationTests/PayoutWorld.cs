using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using SurvivorConnect.Api.Features.Payouts;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Testing;

namespace SurvivorConnect.IntegrationTests;

public sealed record PayoutDto(
    string Id, string OpportunityId, string PayeeId, List<JsonElement> Lines, decimal Compensation, decimal Reimbursement, decimal Total, string Currency,
    string State, int ApprovalsNeeded, List<JsonElement> Approvals, string? Method, string? OutsideReference, string? FailureCode, string? WhyYouCannotApprove, bool MayCancel);

/// <summary>The API with Stripe pointed at a fake on loopback; its payout sender runs only when a test says so.</summary>
public class PayoutApi : ClockedApiFactory
{
    public PayoutApi()
        : this(null, DateTimeOffset.UtcNow, FakeStripe.Start(), ownsStripe: true)
    {
    }

    /// <summary>An instance on the store in <paramref name="folder"/>, talking to <paramref name="stripe"/>; <paramref name="networkRetries"/> as Stripe.net's.</summary>
    /// <param name="stripeTimeout">How long a request waits for Stripe's answer, when not the app's default.</param>
    protected PayoutApi(string? folder, DateTimeOffset start, FakeStripe stripe, bool ownsStripe, int networkRetries = 2, TimeSpan? stripeTimeout = null)
        : base(folder, start)
    {
        Stripe = stripe;
        Stripe.Clock = Time;
        _ownsStripe = ownsStripe;
        _networkRetries = networkRetries;
        _stripeTimeout = stripeTimeout;
    }

    private readonly bool _ownsStripe;
    private readonly int _networkRetries;
    private readonly TimeSpan? _stripeTimeout;

    public FakeStripe Stripe { get; }

    /// <summary>The app's store, which a test can have fail or be written behind at one step (always put its hook back).</summary>
    public CountingStore Store { get; private set; } = null!;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => CountingStore.Decorate(services, store => Store = store));
    }

    protected override IDictionary<string, string?> Settings
    {
        get
        {
            var settings = new Dictionary<string, string?>(base.Settings)
            {
                ["Payouts:Stripe:SecretKey"] = FakeStripe.SecretKey,
                ["Payouts:Stripe:WebhookSecret"] = FakeStripe.WebhookSecret,
                ["Payouts:Stripe:ConnectWebhookSecret"] = FakeStripe.ConnectWebhookSecret,
                ["Payouts:Stripe:ApiBase"] = Stripe.ApiBase,
                ["Payouts:Stripe:MaxNetworkRetries"] = _networkRetries.ToString(CultureInfo.InvariantCulture),

                // The tests run the sender themselves, at the moments they choose.
                ["Payouts:SendInBackground"] = "false",
            };
            if (_stripeTimeout is { } timeout)
            {
                settings["Payouts:Stripe:RequestTimeout"] = timeout.ToString("c", CultureInfo.InvariantCulture);
            }

            return settings;
        }
    }

    public Task<int> SendPayoutsAsync() => Services.GetRequiredService<PayoutSender>().RunOnceAsync(CancellationToken.None);

    /// <summary>Posts a Stripe event to the webhook, signed as Stripe signs (at <paramref name="signedAt"/>, by default now).</summary>
    public async Task<HttpResponseMessage> DeliverAsync(string eventJson, DateTimeOffset? signedAt = null, string? secret = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/stripe") { Content = new StringContent(eventJson, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Stripe-Signature", FakeStripe.Sign(eventJson, signedAt ?? Time.GetUtcNow(), secret ?? FakeStripe.WebhookSecret));
        return await Anonymous().SendAsync(request);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && _ownsStripe)
        {
            Stripe.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}

/// <summary>Builds the money side through the API: an in-person session that went ahead, its claims, payees and approvers.</summary>
public sealed class PayoutWorld(PayoutApi api)
{
    private readonly EngagementWorld _engagements = new(api);

    public HttpClient Recruiter { get; } = api.As("demo-recruiter");

    public HttpClient Finance { get; } = api.As("demo-finance");

    public HttpClient Admin { get; } = api.As("demo-admin");

    /// <summary>
    /// An in-person focus group (150 a session, 30 minutes' paid preparation, travel and per diem covered) that
    /// <paramref name="people"/> new advisors attended, on <paramref name="days"/> following days (sessions s1, s2, …); the
    /// clock is moved past it. Attendance is recorded for every day but <paramref name="unrecordedDay"/>. The work is made
    /// and published by <paramref name="madeBy"/>, the agency's recruiter unless said.
    /// </summary>
    public async Task<(string OpportunityId, List<(string Id, HttpClient Client)> Payees)> AttendedAsync(
        int people = 1, decimal stipend = 150m, bool inPerson = true, IReadOnlyList<(string Id, HttpClient Client)>? also = null, int days = 1, int? unrecordedDay = null,
        HttpClient? madeBy = null)
    {
        madeBy ??= Recruiter;
        await _engagements.SetBenchmarkAsync();
        var now = api.Time.GetUtcNow();
        string At(int hours) => TimeZoneInfo.ConvertTimeBySystemTimeZoneId(now.AddHours(hours), "America/Los_Angeles").ToString("yyyy-MM-dd'T'HH:mm:00", CultureInfo.InvariantCulture);
        var draft = await HttpAssert.Ok<OpportunityDto>(await madeBy.PostJson("/api/engagements/opportunities", new
        {
            kind = "focus-group",
            title = "What helps people stay housed",
            topics = new[] { "Housing after exit" },
            sessions = Enumerable.Range(0, days).Select(day => new
            {
                start = At(3 + (24 * day)), end = At(5 + (24 * day)), timeZone = "America/Los_Angeles", inPerson,
                location = inPerson ? "Harbor Light, Chicago, IL" : null, link = inPerson ? null : "https://meet.example/housing",
            }).ToArray(),
            seats = 10,
            applicationDeadline = now.AddMinutes(30),
            compensation = new { basis = "perSession", rate = stipend, prepMinutesPerSession = 30, travelAllowed = inPerson, perDiemAllowed = inPerson },
        }));
        await HttpAssert.Ok<OpportunityDto>(await madeBy.PostAsync($"/api/engagements/opportunities/{draft.Id}/publish", null));
        var payees = new List<(string Id, HttpClient Client)>(also ?? []);
        for (var i = 0; i < people; i++)
        {
            payees.Add(await _engagements.AdvisorAsync(availableAnyTime: true));
        }

        foreach (var payee in payees)
        {
            await _engagements.ConfirmAsync(draft.Id, payee);
        }

        api.Time.Advance(TimeSpan.FromHours(6 + (24 * (days - 1))));
        foreach (var day in Enumerable.Range(1, days).Where(d => d != unrecordedDay))
        {
            await HttpAssert.Ok<JsonElement>(await Recruiter.PostJson($"/api/engagements/opportunities/{draft.Id}/sessions/s{day}/attendance", new
            {
                entries = payees.Select(p => new { personId = p.Id, outcome = "attended" }).ToArray(),
            }));
        }

        return (draft.Id, payees);
    }

    public async Task<List<PayoutDto>> PrepareAsync(string opportunityId, HttpClient? by = null) =>
        await HttpAssert.Ok<List<PayoutDto>>(await (by ?? Recruiter).PostJson("/api/payouts", new { opportunityId }));

    /// <summary>The payee reads the benefits notice and chooses a check, or onboards to Stripe (which the fake then finishes).</summary>
    public async Task<string?> PayeeReadyAsync((string Id, HttpClient Client) payee, bool stripe)
    {
        await HttpAssert.Ok<JsonElement>(await payee.Client.PostAsync("/api/payouts/me/benefits-notice", null));
        if (!stripe)
        {
            await HttpAssert.Ok<JsonElement>(await payee.Client.PutAsJsonAsync("/api/payouts/me/method", new { method = "check" }));
            return null;
        }

        var account = await StartOnboardingAsync(payee);
        api.Stripe.SetPayoutsEnabled(account, true);
        var status = await HttpAssert.Ok<JsonElement>(await payee.Client.PostAsync("/api/payouts/me/stripe-status", null));
        Assert.True(status.GetProperty("stripeReady").GetBoolean());
        return account;
    }

    /// <summary>A payee who chose Stripe and has seen the benefits notice, whose Stripe account cannot take payouts yet.</summary>
    public async Task<string> PayeeOnboardingAsync((string Id, HttpClient Client) payee)
    {
        await HttpAssert.Ok<JsonElement>(await payee.Client.PostAsync("/api/payouts/me/benefits-notice", null));
        return await StartOnboardingAsync(payee);
    }

    private async Task<string> StartOnboardingAsync((string Id, HttpClient Client) payee)
    {
        var link = await HttpAssert.Ok<JsonElement>(await payee.Client.PostAsync("/api/payouts/me/onboarding", null));
        Assert.StartsWith(api.Stripe.OnboardingBase + "/connect/onboarding/acct_", link.GetProperty("url").GetString(), StringComparison.Ordinal);
        return api.Stripe.Accounts.Single(a => a["metadata"]!["person_id"]!.GetValue<string>() == payee.Id)["id"]!.GetValue<string>();
    }

    /// <summary>A new finance approver of the demo agency, with any other roles given.</summary>
    public async Task<(string Id, HttpClient Client)> ApproverAsync(params string[] otherRoles)
    {
        var id = "fin-" + Guid.NewGuid().ToString("N")[..12];
        Assert.Equal(HttpStatusCode.Created, (await Admin.PostJson("/api/people", new { subjectId = id, displayName = "Approver " + id[^4..], roles = otherRoles.Append(Roles.FinanceApprover).ToArray() })).StatusCode);
        return (id, api.AsSubject(id, "demo"));
    }

    public async Task<PayoutDto> PayoutAsync(string id) => await HttpAssert.Ok<PayoutDto>(await Finance.GetAsync(Url(id)));

    public static string Url(string payoutId, string? action = null) => $"/api/payouts/{payoutId}" + (action is null ? "" : "/" + action);

    /// <summary>A step on a payout as finance's page takes it: with the version the payout was read at (none if it cannot be read).</summary>
    public static async Task<HttpResponseMessage> StepAsync(HttpClient client, string payoutId, string action, object? body = null)
    {
        using var read = await client.GetAsync(Url(payoutId));
        using var request = new HttpRequestMessage(HttpMethod.Post, Url(payoutId, action)) { Content = body is null ? null : JsonContent.Create(body) };
        if (read.IsSuccessStatusCode)
        {
            request.Headers.TryAddWithoutValidation("If-Match", (await read.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetString());
        }

        return await client.SendAsync(request);
    }

    public async Task SetTwoApproverAmountAsync(decimal amount) =>
        await HttpAssert.Ok<JsonElement>(await Admin.PutSettingsAsync("/api/payouts/settings", new { twoApproverThreshold = amount }));
}
