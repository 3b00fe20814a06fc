using System.Net;
using SurvivorConnect.Api.Infrastructure.Auth;

namespace SurvivorConnect.IntegrationTests;

/// <summary>Access given back after a deactivation: sign-ins made while the person was deactivated stay out.</summary>
public sealed class ReactivationTests(ReactivationTests.Api api) : IClassFixture<ReactivationTests.Api>
{
    /// <summary>The app's clock an hour behind the real one, which dates the tokens: a deactivation can last long enough.</summary>
    public sealed class Api() : ClockedApiFactory(null, DateTimeOffset.UtcNow.AddHours(-1));

    [Fact]
    public async Task A_sign_in_made_while_the_person_was_deactivated_opens_nothing_once_they_are_given_access_back()
    {
        // A phone taken: the admin deactivates its owner, but Entra ID, which knows nothing of that, still signs the phone
        // in half an hour later. Giving the owner access back must not bring that sign-in to life with them.
        var admin = api.As("demo-admin");
        var created = await admin.PostJson("/api/people", new { displayName = "Taken phone", roles = new[] { Roles.CaseManager }, subjectId = "p-" + Guid.NewGuid().ToString("N") });
        var person = await HttpAssert.Ok<PersonDto>(created);
        await HttpAssert.Ok<PersonDto>(await admin.PostAsync($"/api/people/{person.Id}/deactivate", null));
        var whileDeactivated = api.Anonymous();
        whileDeactivated.DefaultRequestHeaders.Authorization = new("Bearer", api.TokenFor(person.Id, at: DateTimeOffset.UtcNow.AddMinutes(-30)));
        await HttpAssert.Problem(await whileDeactivated.GetAsync("/api/me"), 403);

        api.Time.Advance(TimeSpan.FromMinutes(55));
        await HttpAssert.Ok<PersonDto>(await admin.ReactivateAsync(person.Id));

        await HttpAssert.Problem(await whileDeactivated.GetAsync("/api/me"), 403);
        Assert.Equal(HttpStatusCode.OK, (await api.AsSubject(person.Id, "demo").GetAsync("/api/me")).StatusCode);
    }
}
