using Microsoft.AspNetCore.Mvc.Testing;

namespace SurvivorConnect.IntegrationTests;

/// <summary>A browser's portal session: signed in by the demo sign-in page's own form, posting forms with the page's own token.</summary>
public static class PortalSession
{
    public static async Task<HttpClient> SignedInAsync(WebApplicationFactory<Program> app, string personId)
    {
        ArgumentNullException.ThrowIfNull(app);
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        await client.PostAsync("/signin/demo", new FormUrlEncodedContent([new("personId", personId), new("__RequestVerificationToken", await FormTokenAsync(client, "/signin"))]));
        return client;
    }

    /// <summary>The session cookie a demo sign-in sets, as a <c>Cookie</c> header value, for a client that keeps no cookies.</summary>
    public static async Task<string> SessionCookieAsync(WebApplicationFactory<Program> app, string personId)
    {
        ArgumentNullException.ThrowIfNull(app);
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        var page = await client.GetAsync("/signin");
        var token = System.Text.RegularExpressions.Regex.Match(await page.Content.ReadAsStringAsync(), "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        using var signIn = new HttpRequestMessage(HttpMethod.Post, "/signin/demo")
        {
            Content = new FormUrlEncodedContent([new("personId", personId), new("__RequestVerificationToken", token)]),
        };
        signIn.Headers.Add("Cookie", string.Join("; ", page.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0])));
        var signedIn = await client.SendAsync(signIn);
        return signedIn.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]).Single(c => c.StartsWith(Api.Infrastructure.Auth.PortalSignIn.CookieName + "=", StringComparison.Ordinal));
    }

    /// <summary>
    /// The value a page's hidden field <paramref name="name"/> was made with (a version, an id the form was made with),
    /// in the first form after <paramref name="after"/> when given; empty when there is none.
    /// </summary>
    public static string Hidden(string page, string name, string? after = null)
    {
        ArgumentNullException.ThrowIfNull(page);
        var from = after is null ? 0 : Math.Max(0, page.IndexOf(after, StringComparison.Ordinal));
        return System.Net.WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(page[from..], $"name=\"{name}\" value=\"([^\"]*)\"").Groups[1].Value);
    }

    public static async Task<string> FormTokenAsync(HttpClient client, string path) =>
        System.Text.RegularExpressions.Regex.Match(await client.GetStringAsync(path), "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;

    /// <summary>Posts the page's form named <paramref name="form"/> as its button would, and returns the page it answers with.</summary>
    public static async Task<string> PostFormAsync(HttpClient client, string path, string form, params (string Name, string Value)[] fields)
    {
        var token = await FormTokenAsync(client, path);
        var answer = await client.PostAsync(path, new FormUrlEncodedContent([new("_handler", form), new("__RequestVerificationToken", token), .. fields.Select(f => KeyValuePair.Create(f.Name, f.Value))]));
        return await answer.Content.ReadAsStringAsync();
    }
}
