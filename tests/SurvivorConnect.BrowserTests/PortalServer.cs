using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;
using SurvivorConnect.Api.Features.Development;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Testing;

namespace SurvivorConnect.BrowserTests;

/// <summary>
/// The whole app on Kestrel at 127.0.0.1 (a port of its own), on a fresh embedded store with the demo people,
/// and one Chromium from Debian's package. Each test opens its own browser contexts, one per person.
/// </summary>
public sealed class PortalServer : WebApplicationFactory<Program>, IAsyncLifetime
{
    /// <summary>Stands in for the neutral site of the quick exit; the browser never leaves the machine.</summary>
    public const string ExitUrl = "https://weather.example/";

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "sc-portal-" + Guid.NewGuid().ToString("N"));
    private readonly ConcurrentDictionary<TaskCompletionSource, Func<HttpRequest, bool>> _awaitedRequests = new();
    private IPlaywright? _playwright;

    public PortalServer() => UseKestrel(k => k.Listen(IPAddress.Loopback, 0));

    public string BaseUrl { get; private set; } = "";

    public IBrowser Browser { get; private set; } = default!;

    /// <summary>The app's clock: it stands still unless a test moves it (to reach the end of a session, say).</summary>
    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    /// <summary>The app's store, which a test can have fail at one step (always put its hook back).</summary>
    public CountingStore Store { get; private set; } = default!;

    /// <summary>Stripe's API, faked on loopback: payees onboard to it and payouts are sent to it.</summary>
    public FakeStripe Stripe { get; } = FakeStripe.Start();

    /// <summary>Where screenshots go: the test's output folder, and docs/screenshots when SC_UPDATE_SCREENSHOTS=1.</summary>
    public static string Artifacts { get; } = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "artifacts")).FullName;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        Stripe.Clock = Time;
        builder.UseEnvironment("Development");
        builder.UseSetting("Storage:Provider", "Sqlite");
        builder.UseSetting("Storage:Sqlite:Path", Path.Combine(_folder, "portal.db"));
        builder.UseSetting("Auth:Development:SigningKey", "c3Vydml2b3Jjb25uZWN0LWJyb3dzZXItc2lnbmluZy1rZXk=");
        builder.UseSetting("Portal:ExitUrl", ExitUrl);

        // Several people sign in from one address in these tests, as in an agency's office.
        builder.UseSetting("Api:SignInPermitsPerMinute", "1000");
        builder.UseSetting("Api:AnonymousPermitsPerMinute", "10000");
        builder.UseSetting("Api:ReportPermitsPerMinute", "10000");
        builder.UseSetting("Payouts:StripeChecksPerMinute", "10000");

        // The journeys leave their pages open, each with its live connections; the caps are the integration tests' business.
        builder.UseSetting("Chat:MaxConnectionsPerPerson", "1000");
        builder.UseSetting("Notifications:MaxConnectionsPerPerson", "1000");
        builder.UseSetting("Payouts:Stripe:SecretKey", FakeStripe.SecretKey);
        builder.UseSetting("Payouts:Stripe:WebhookSecret", FakeStripe.WebhookSecret);
        builder.UseSetting("Payouts:Stripe:ApiBase", Stripe.ApiBase);
        builder.UseSetting("Payouts:Stripe:OnboardingOrigin", Stripe.OnboardingBase);
        builder.UseSetting("Payouts:SendInBackground", "false");
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<TimeProvider>(Time);
            CountingStore.Decorate(services, store => Store = store);
            services.AddSingleton<IStartupFilter>(new HandledRequests(_awaitedRequests));
        });
    }

    /// <summary>
    /// Done once the app has answered a request that <paramref name="matches"/>: a beacon, say, which the browser sends
    /// after its page has gone, and so may never report to the test.
    /// </summary>
    public Task HandledAsync(Func<HttpRequest, bool> matches)
    {
        var handled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _awaitedRequests[handled] = matches;
        return handled.Task;
    }

    private sealed class HandledRequests(ConcurrentDictionary<TaskCompletionSource, Func<HttpRequest, bool>> awaited) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, inner) =>
            {
                try
                {
                    await inner(context);
                }
                finally
                {
                    foreach (var (handled, matches) in awaited)
                    {
                        if (matches(context.Request) && awaited.TryRemove(handled, out _))
                        {
                            handled.TrySetResult();
                        }
                    }
                }
            });
            next(app);
        };
    }

    public async Task InitializeAsync()
    {
        StartServer();
        BaseUrl = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath(),
            Args = ["--no-sandbox", "--disable-dev-shm-usage"],
        });

        // The first pages a fresh host makes are slow (start-up, first renders): made here, that time is not taken
        // out of the first test's waits on a loaded machine.
        using var warm = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromMinutes(2) };
        foreach (var path in new[] { "/signin", "/help", "/" })
        {
            using var _ = await warm.GetAsync(path);
        }
    }

    public new async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright?.Dispose();
        await base.DisposeAsync();
        await Stripe.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    /// <summary>A person's own browser: a phone (390 px wide) or a desktop (1280 px); <paramref name="script"/> false for one whose pages' scripts do not run.</summary>
    public async Task<IPage> OpenAsync(bool phone = false, bool script = true) => await OpenAsync(phone, script, storageState: null);

    /// <summary>Another browser of someone signed in, with the cookies of theirs (<c>StorageStateAsync</c>): no second sign-in.</summary>
    public Task<IPage> OpenAsAsync(string storageState, bool phone = false) => OpenAsync(phone, script: true, storageState);

    private async Task<IPage> OpenAsync(bool phone, bool script, string? storageState)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseUrl,
            JavaScriptEnabled = script,
            ViewportSize = phone ? new ViewportSize { Width = 390, Height = 844 } : new ViewportSize { Width = 1280, Height = 900 },
            IsMobile = phone,
            HasTouch = phone,
            StorageState = storageState,
        });
        await context.RouteAsync(ExitUrl + "**", route => route.FulfillAsync(new RouteFulfillOptions
        {
            ContentType = "text/html",
            Body = "<!DOCTYPE html><html lang=\"en\"><title>Weather</title><h1>Weather</h1></html>",
        }));
        return await context.NewPageAsync();
    }

    public async Task<IPage> SignInAsync(string personName, bool phone = false, bool script = true)
    {
        var page = await OpenAsync(phone, script);
        await page.GotoAsync("/signin");
        await SubmitSignInAsync(page, page.GetByRole(AriaRole.Button, new() { Name = $"Sign in as {personName}" }), personName);
        return page;
    }

    /// <summary>Signs in as someone a test added to a demo agency: the sign-in page offers the demo people only.</summary>
    public async Task<IPage> SignInAsAddedAsync(string personId, bool phone = false) => await SignInAsAddedOnAsync(await OpenAsync(phone), personId);

    /// <summary>Another tab of the browser <paramref name="sameBrowser"/>, signed in as someone added (a shared computer's next person).</summary>
    public static async Task<IPage> SignInAsAddedAsync(string personId, IBrowserContext sameBrowser) => await SignInAsAddedOnAsync(await sameBrowser.NewPageAsync(), personId);

    private static async Task<IPage> SignInAsAddedOnAsync(IPage page, string personId)
    {
        await page.GotoAsync("/signin");
        var form = page.Locator("form[action='/signin/demo']").First;
        await form.Locator("input[name=personId]").EvaluateAsync("(input, id) => input.value = id", personId);
        await SubmitSignInAsync(page, form.GetByRole(AriaRole.Button), personId);
        return page;
    }

    /// <summary>A sign-in that does not leave the sign-in page says what the page said instead, not only that time ran out.</summary>
    private static async Task SubmitSignInAsync(IPage page, ILocator button, string who)
    {
        await button.ClickAsync();
        try
        {
            // The page as parsed, with its script run, is what the steps after sign-in act on. Its load event waits on
            // every stylesheet and script too, and once in a long run one of those did not come within the wait, though
            // the page itself was there (the diagnostic below showed its text). Whether DOMContentLoaded has been handled
            // (the deferred script run) is read from the navigation's timing, not awaited as an event: twice in CI runs
            // the event went unseen by the wait though the page was there, its load and network-idle events seen.
            try
            {
                await page.WaitForURLAsync(url => !url.Contains("/signin", StringComparison.Ordinal), new() { WaitUntil = WaitUntilState.Commit });
            }
            catch (PlaywrightException superseded) when (superseded.Message.Contains("ERR_ABORTED", StringComparison.Ordinal))
            {
                // Signed in over another session in this browser, the page's own script may go home as the new person
                // (its old session's connection closed) while the form's answer is on its way: the later navigation wins.
                await page.WaitForURLAsync(url => !url.Contains("/signin", StringComparison.Ordinal), new() { WaitUntil = WaitUntilState.Commit });
            }

            await page.WaitForFunctionAsync(
                "() => !location.pathname.startsWith('/signin') && (performance.getEntriesByType('navigation')[0]?.domContentLoadedEventEnd ?? 0) > 0");
        }
        catch (TimeoutException timedOut)
        {
            var banner = await page.Locator("[data-connection]").First.TextContentAsync(new() { Timeout = 1000 });
            var main = await page.Locator("main").First.InnerTextAsync(new() { Timeout = 1000 });
            throw new TimeoutException($"Signing in as {who} stayed at {page.Url}; banner: \"{banner}\"; page: \"{main[..Math.Min(main.Length, 300)]}\"", timedOut);
        }
    }

    /// <summary>Opens one youth's record from the caseload, found by the name on their card.</summary>
    public static Task OpenYouthAsync(IPage caseManager, string name) =>
        caseManager.Locator("li.card", new() { HasText = name }).GetByRole(AriaRole.Button, new() { Name = "Open" }).ClickAsync();

    /// <summary>
    /// Posts a form the page never offered, as someone editing it by hand would, with the session's antiforgery token
    /// (the page's own, or, on a page with no form, one from the notices page) and session; returns the answer's text.
    /// </summary>
    public static Task<string> ForgePostAsync(IPage page, string path, IDictionary<string, string> fields) =>
        page.EvaluateAsync<string>(
            """
            async ({ path, fields }) => {
              const data = new FormData();
              const token = document.querySelector('input[name=__RequestVerificationToken]')?.value
                ?? /name="__RequestVerificationToken" value="([^"]+)"/.exec(await (await fetch('/notifications')).text())[1];
              data.set('__RequestVerificationToken', token);
              for (const [name, value] of Object.entries(fields)) data.set(name, value);
              const response = await fetch(path, { method: 'POST', body: data, credentials: 'same-origin' });
              return await response.text();
            }
            """, new { path, fields });

    /// <summary>
    /// An API client signed in as <paramref name="userId"/>: a demo person, or one a test added to
    /// <paramref name="agencyId"/>. The token is minted on the real clock, which checks it: /dev/token's would be dated by
    /// the app's clock, which a journey may have moved on.
    /// </summary>
    public Task<HttpClient> ApiAsAsync(string userId, string? agencyId = null)
    {
        var agency = agencyId ?? DemoData.Agencies.First(a => a.People.Any(p => p.Id == userId)).Id;
        var token = Services.GetRequiredService<DevTokenIssuer>().Issue(userId, agency, DateTimeOffset.UtcNow).AccessToken;
        var client = new HttpClient { BaseAddress = new Uri(BaseUrl) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return Task.FromResult(client);
    }

    /// <summary>A mentor added to the demo agency with a profile of their own, and the supervisor given, if any.</summary>
    public async Task<(string Id, string Name)> NewMentorAsync(string? supervisorId)
    {
        using var admin = await ApiAsAsync("demo-admin");
        var mentorId = "mt-" + Guid.NewGuid().ToString("N")[..10];
        var name = "Aaa Mentor " + mentorId[^6..];
        (await admin.PostAsJsonAsync("/api/people", new { displayName = name, roles = new[] { "Mentor" }, subjectId = mentorId })).EnsureSuccessStatusCode();
        using (var mentor = await ApiAsAsync(mentorId, "demo"))
        {
            (await mentor.PutAsJsonAsync("/api/mentors/me", new { displayName = name, languages = new[] { "English" }, travelRadiusMiles = 10, capacity = 1 })).EnsureSuccessStatusCode();
        }

        if (supervisorId is not null)
        {
            (await admin.PutAsJsonAsync($"/api/mentors/{mentorId}/supervisor", new { supervisorId })).EnsureSuccessStatusCode();
        }

        return (mentorId, name);
    }

    /// <summary>
    /// Debian's Chromium: its headless shell first (what Playwright runs headless; the whole browser's new headless mode
    /// takes about twice the CPU a page), else the browser itself.
    /// </summary>
    public static string ChromiumPath() =>
        Environment.GetEnvironmentVariable("SC_CHROMIUM") is { Length: > 0 } configured ? configured
        : new[] { "/usr/bin/chromium-headless-shell", "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists)
          ?? throw new InvalidOperationException("Chromium is needed for the browser tests: apt-get install chromium-headless-shell (see README).");
}

[CollectionDefinition(Name)]
public sealed class Portal : ICollectionFixture<PortalServer>
{
    public const string Name = "portal";
}
