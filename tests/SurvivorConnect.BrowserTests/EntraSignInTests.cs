using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using SurvivorConnect.Api.Features.Agencies;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Storage;
using static Microsoft.Playwright.Assertions;

namespace SurvivorConnect.BrowserTests;

/// <summary>
/// Sign-in as it runs outside Development: Entra ID's OpenID Connect code flow (a loopback provider stands in),
/// over HTTPS as in production, so the browser treats the session and sign-in cookies as it will there.
/// </summary>
public sealed class EntraSignInTests : IAsyncLifetime
{
    private readonly FakeEntra _entra = new();
    private StagingPortal? _portal;

    public async Task InitializeAsync()
    {
        await _entra.StartAsync();
        _portal = new StagingPortal(_entra.BaseUrl);
        await _portal.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_portal is not null)
        {
            await _portal.DisposeAsync();
        }

        await _entra.DisposeAsync();
    }

    [Fact]
    public async Task A_case_manager_signs_in_with_Entra_ID_and_signing_out_ends_both_sessions()
    {
        var portal = _portal!;
        await portal.AddPersonAsync("entra-cm-1", "agency-e", Roles.CaseManager);
        _entra.SignInAs = ("entra-cm-1", "agency-e");
        var page = await portal.OpenAsync();

        await page.GotoAsync("/signin");
        Assert.Equal(0, await page.GetByText("demo", new() { Exact = false }).CountAsync());
        await page.GetByRole(AriaRole.Link, new() { Name = "Sign in" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Caseload", Exact = true })).ToBeVisibleAsync();
        Assert.True(_entra.HasSession);
        var session = (await page.Context.CookiesAsync()).Single(c => c.Name == "__Host-sc-session");
        Assert.True(session.HttpOnly && session.Secure);
        Assert.Equal(SameSiteAttribute.Strict, session.SameSite);
        Assert.Contains(await page.Context.CookiesAsync(), c => c is { Name: "__Host-sc-form", Secure: true, Path: "/" });

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();

        await Expect(page.GetByText("You are signed out.")).ToBeVisibleAsync();
        Assert.False(_entra.HasSession);
        Assert.Equal(1, _entra.SignOuts);
        Assert.Equal(_entra.LoginHints["entra-cm-1"], _entra.LastLogoutHint);
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name is "__Host-sc-session" or "__Host-sc-form");
        await page.GotoAsync("/caseload");
        await Expect(page).ToHaveURLAsync(portal.BaseUrl + "/signin");
    }

    [Fact]
    public async Task Someone_signing_in_over_another_persons_session_ends_it_for_every_copy_of_its_cookie()
    {
        // A shared phone: the first person left without signing out, and the next signs in as themselves. The stand-in
        // provider is on http and the portal on https, so, as from Entra ID's own site, the browser counts the callback
        // as cross-site and withholds the session cookie from it.
        var portal = _portal!;
        await portal.AddPersonAsync("entra-cm-3", "agency-e", Roles.CaseManager);
        var page = await CaseManagerSignedInAsync("entra-cm-2");
        var firstPersons = await page.Context.StorageStateAsync();

        _entra.SignInAs = ("entra-cm-3", "agency-e");
        await page.GotoAsync("/signin");
        await page.GetByRole(AriaRole.Link, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Caseload", Exact = true })).ToBeVisibleAsync();

        var copy = await portal.OpenAsync(firstPersons);
        await copy.GotoAsync("/caseload");
        await Expect(copy).ToHaveURLAsync(portal.BaseUrl + "/signin");
        await page.ReloadAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Caseload", Exact = true })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Over_https_the_exit_s_mark_is_one_only_the_portal_can_set_so_one_planted_from_a_sibling_site_locks_nobody_out()
    {
        var portal = _portal!;
        var page = await CaseManagerSignedInAsync("entra-cm-6");
        var caseload = page.GetByRole(AriaRole.Heading, new() { Name = "Caseload", Exact = true });

        // As a sibling site of the agency's domain could set it for the whole domain: no prefix.
        await page.Context.AddCookiesAsync([new() { Name = "sc-left", Value = "1", Url = portal.BaseUrl }]);
        await page.ReloadAsync();
        await Expect(caseload).ToBeVisibleAsync();

        // The portal's own mark, as its exit sets it, ends the session.
        await page.Context.AddCookiesAsync([new() { Name = "__Host-sc-left", Value = "1", Url = portal.BaseUrl + "/", Secure = true }]);
        await page.ReloadAsync();
        await Expect(page).ToHaveURLAsync(portal.BaseUrl + "/signin");
    }

    [Fact]
    public async Task A_page_of_a_sibling_site_cannot_end_a_session_through_the_sign_in_link_or_the_exit_but_the_portal_s_own_can()
    {
        // The session cookie goes with requests from any page of the agency's domain: such a page could otherwise close
        // a youth's chat and pages whenever it liked.
        var portal = _portal!;
        var page = await CaseManagerSignedInAsync("entra-cm-7");
        var caseload = page.GetByRole(AriaRole.Heading, new() { Name = "Caseload", Exact = true });
        foreach (var (method, path) in new[] { ("GET", "/signin/entra"), ("GET", "/exit"), ("POST", "/exit") })
        {
            await page.Context.APIRequest.FetchAsync(portal.BaseUrl + path, new()
            {
                Method = method, MaxRedirects = 0, Headers = new Dictionary<string, string> { ["Sec-Fetch-Site"] = "same-site" },
            });
        }

        await page.ReloadAsync();
        await Expect(caseload).ToBeVisibleAsync();

        await page.Context.APIRequest.FetchAsync(portal.BaseUrl + "/exit", new()
        {
            Method = "POST", Headers = new Dictionary<string, string> { ["Sec-Fetch-Site"] = "same-origin" },
        });
        await page.ReloadAsync();
        await Expect(page).ToHaveURLAsync(portal.BaseUrl + "/signin");
    }

    [Fact]
    public async Task Someone_Entra_ID_knows_but_the_agency_does_not_reaches_no_page()
    {
        var portal = _portal!;
        _entra.SignInAs = ("stranger-1", "agency-e");
        var page = await portal.OpenAsync();

        await page.GotoAsync("/signin");
        await page.GetByRole(AriaRole.Link, new() { Name = "Sign in" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(portal.BaseUrl + "/not-available");
        await page.GotoAsync("/caseload");
        await Expect(page).ToHaveURLAsync(portal.BaseUrl + "/not-available");
    }

    [Fact]
    public async Task Taking_the_fresh_sign_in_out_of_the_address_does_not_let_anyone_in_on_the_Entra_ID_session_left_behind()
    {
        // A shared phone after the quick exit: the portal session is gone but Entra ID's, from ten minutes ago, stays.
        // Whoever picks the phone up strips prompt=login from the address Entra ID is sent, so it signs nobody in afresh.
        var portal = _portal!;
        await portal.AddPersonAsync("entra-cm-4", "agency-e", Roles.CaseManager);
        _entra.SignInAs = ("entra-cm-4", "agency-e");
        _entra.SessionSignedInAt = DateTimeOffset.UtcNow.AddMinutes(-10);
        var page = await portal.OpenAsync();
        var askedAfresh = new List<bool>();
        await page.RouteAsync(portal.BaseUrl + "/signin/entra", async route =>
        {
            // The portal's answer is a redirect to Entra ID, which a route cannot catch on its way: it is fetched here
            // and the browser sent on without the prompt, as someone editing the address would.
            var answer = await route.FetchAsync(new() { MaxRedirects = 0 });
            var address = new Uri(answer.Headers["location"]);
            var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(address.Query);
            askedAfresh.Add(query["prompt"] == "login");
            var stripped = query.Where(p => p.Key != "prompt").SelectMany(p => p.Value.Select(v => new KeyValuePair<string, string?>(p.Key, v)));
            var headers = answer.HeadersArray.Where(h => !h.Name.Equals("location", StringComparison.OrdinalIgnoreCase))
                .Append(new() { Name = "location", Value = Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString(address.GetLeftPart(UriPartial.Path), stripped) });
            await route.FulfillAsync(new() { Status = answer.Status, Headers = headers.Select(h => new KeyValuePair<string, string>(h.Name, h.Value)) });
        });

        await page.GotoAsync("/signin");
        await page.GetByRole(AriaRole.Link, new() { Name = "Sign in" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("We could not sign you in. Please try again.");
        Assert.Equal([true], askedAfresh);
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == "__Host-sc-session");
        await page.GotoAsync("/caseload");
        await Expect(page).ToHaveURLAsync(portal.BaseUrl + "/signin");

        // Signing in as asked (afresh) lets the person in.
        await page.UnrouteAllAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Caseload", Exact = true })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task An_ID_token_that_does_not_say_when_the_person_signed_in_signs_nobody_in()
    {
        var portal = _portal!;
        await portal.AddPersonAsync("entra-cm-5", "agency-e", Roles.CaseManager);
        _entra.SignInAs = ("entra-cm-5", "agency-e");
        _entra.SendsAuthTime = false;
        var page = await portal.OpenAsync();

        await page.GotoAsync("/signin");
        await page.GetByRole(AriaRole.Link, new() { Name = "Sign in" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("We could not sign you in. Please try again.");
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == "__Host-sc-session");
    }

    /// <summary>A new case manager of the agency, signed in through Entra ID on a page of their own, at their caseload.</summary>
    private async Task<IPage> CaseManagerSignedInAsync(string personId)
    {
        await _portal!.AddPersonAsync(personId, "agency-e", Roles.CaseManager);
        _entra.SignInAs = (personId, "agency-e");
        var page = await _portal.OpenAsync();
        await page.GotoAsync("/signin");
        await page.GetByRole(AriaRole.Link, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Caseload", Exact = true })).ToBeVisibleAsync();
        return page;
    }

    /// <summary>The whole app as in staging, on HTTPS at 127.0.0.1 with a certificate made for the test.</summary>
    private sealed class StagingPortal(string authority) : WebApplicationFactory<Program>
    {
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "sc-entra-" + Guid.NewGuid().ToString("N"));
        private Microsoft.Playwright.IPlaywright? _playwright;
        private IBrowser? _browser;

        public string BaseUrl { get; private set; } = "";

        public async Task StartAsync()
        {
            var certificate = SelfSigned();
            UseKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate)));
            StartServer();
            BaseUrl = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            _playwright = await Playwright.CreateAsync();
            _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = PortalServer.ChromiumPath(),
                Args = ["--no-sandbox", "--disable-dev-shm-usage"],
            });
        }

        public async Task<IPage> OpenAsync(string? storageState = null)
        {
            var context = await _browser!.NewContextAsync(new BrowserNewContextOptions { BaseURL = BaseUrl, IgnoreHTTPSErrors = true, StorageState = storageState });
            return await context.NewPageAsync();
        }

        public async Task AddPersonAsync(string id, string agencyId, string role)
        {
            var store = Services.GetRequiredService<IDocumentStore>();
            var now = DateTimeOffset.UtcNow;
            await store.UpsertAsync(Agency.Container, new Agency { Id = agencyId, PartitionKey = agencyId, AgencyId = agencyId, Name = "Entra test agency", CreatedAt = now }, default);
            await store.UpsertAsync(Person.Container, new Person { Id = id, PartitionKey = agencyId, AgencyId = agencyId, DisplayName = "Case manager " + id, Roles = [role], CreatedAt = now }, default);
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Staging");
            builder.UseSetting("Storage:Provider", "Sqlite");
            builder.UseSetting("Storage:Sqlite:Path", Path.Combine(_folder, "portal.db"));
            builder.UseSetting("Auth:Authority", authority);
            builder.UseSetting("Auth:Audience", "api://survivorconnect");
            builder.UseSetting("Auth:Portal:ClientId", FakeEntra.ClientId);
            builder.UseSetting("Portal:ExitUrl", PortalServer.ExitUrl);
            builder.ConfigureTestServices(services =>
            {
                // The stand-in provider answers on plain HTTP at 127.0.0.1; Entra ID itself is only ever HTTPS.
                services.Configure<OpenIdConnectOptions>(PortalSignIn.EntraScheme, o => o.RequireHttpsMetadata = false);
                services.Configure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, o => o.RequireHttpsMetadata = false);
            });
        }

        public override async ValueTask DisposeAsync()
        {
            if (_browser is not null)
            {
                await _browser.DisposeAsync();
            }

            _playwright?.Dispose();
            await base.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (Directory.Exists(_folder))
            {
                Directory.Delete(_folder, recursive: true);
            }
        }

        private static X509Certificate2 SelfSigned()
        {
            using var key = RSA.Create(2048);
            var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
            return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
        }
    }
}

