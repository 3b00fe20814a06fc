using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SurvivorConnect.Api.Infrastructure.Auth;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// A portal session's cookie renews itself every quarter hour with a new expiry. A form on a page opened before that
/// (deactivating someone, signing out on a shared phone) must still be accepted after it, and only from the same session.
/// </summary>
[Collection(SharedApi.Name)]
public sealed class PortalFormTokenTests(ApiFactory api)
{
    [Fact]
    public async Task A_form_made_before_the_session_renewed_is_accepted_after_it_but_not_from_another_session_or_person()
    {
        using var scope = api.Services.CreateScope();
        var principals = scope.ServiceProvider.GetRequiredService<PersonPrincipals>();
        var antiforgery = scope.ServiceProvider.GetRequiredService<IAntiforgery>();
        var before = await principals.BuildAsync("demo-admin", "demo", "1000", CancellationToken.None, session: "session-one");
        var page = new DefaultHttpContext { User = before, RequestServices = scope.ServiceProvider };
        var tokens = antiforgery.GetAndStoreTokens(page);
        var cookie = scope.ServiceProvider.GetRequiredService<IOptions<AntiforgeryOptions>>().Value.Cookie.Name;

        async Task<bool> PostedAsync(string? expires, string userId, string session)
        {
            var post = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
            post.User = await principals.BuildAsync(userId, "demo", expires, CancellationToken.None, session);
            post.Request.Method = "POST";
            post.Request.Headers.Cookie = $"{cookie}={tokens.CookieToken}";
            post.Request.ContentType = "application/x-www-form-urlencoded";
            post.Request.Form = new FormCollection(new() { [tokens.FormFieldName] = tokens.RequestToken });
            return await antiforgery.IsRequestValidAsync(post);
        }

        Assert.True(await PostedAsync("1900", "demo-admin", "session-one"));
        Assert.False(await PostedAsync("1900", "demo-admin", "session-two"));
        Assert.False(await PostedAsync("1000", "demo-casemanager", "session-one"));
    }
}
