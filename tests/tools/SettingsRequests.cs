using System.Net.Http.Json;
using System.Text.Json;

namespace SurvivorConnect.Testing;

public static class SettingsRequests
{
    /// <summary>Settings (engagement, payout) saved over the settings at <paramref name="url"/> as they are now (their version as If-Match).</summary>
    public static async Task<HttpResponseMessage> PutSettingsAsync(this HttpClient admin, string url, object body)
    {
        ArgumentNullException.ThrowIfNull(admin);
        var settings = await admin.GetFromJsonAsync<JsonElement>(url);
        using var request = new HttpRequestMessage(HttpMethod.Put, url) { Content = JsonContent.Create(body) };
        request.Headers.TryAddWithoutValidation("If-Match", settings.GetProperty("version").GetString());
        return await admin.SendAsync(request);
    }
}
