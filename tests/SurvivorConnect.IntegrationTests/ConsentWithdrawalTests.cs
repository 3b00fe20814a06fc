namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// A youth can say no at any time, and their no stands: a consent the youth withdrew themselves is not given again by
/// their case manager on their behalf; only the youth can give it again. A consent staff withdrew, staff may record again.
/// </summary>
public sealed class ConsentWithdrawalTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private readonly MentoringWorld _world = new(api);

    [Fact]
    public async Task A_case_manager_cannot_give_back_the_consent_a_youth_withdrew_and_the_youth_can()
    {
        var chat = await _world.OpenChatAsync();
        var youthConsent = await MatchConsentAsync(chat.YouthHttp, chat.YouthId, chat.Id);
        await HttpAssert.Ok<MentoringTests.ConsentDto>(await chat.YouthHttp.PostAsync($"/api/consents/{youthConsent.Id}/revoke", null));

        var overridden = await HttpAssert.Problem(await _world.CaseManager.PostJson("/api/consents", GrantBody(chat)), 409);

        Assert.Contains("only they can give it again", overridden.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Youth.SendAsync(chat.Id, "still closed?"));

        await MentoringWorld.Created(await chat.YouthHttp.PostJson("/api/consents", GrantBody(chat)));
        var sent = await chat.Youth.SendAsync(chat.Id, "I'm back");
        Assert.Equal("I'm back", sent.Message.Text);
    }

    [Fact]
    public async Task A_youth_s_consent_their_case_manager_withdrew_for_them_may_be_recorded_again_by_the_case_manager()
    {
        var chat = await _world.OpenChatAsync();
        var youthConsent = await MatchConsentAsync(_world.CaseManager, chat.YouthId, chat.Id);
        await HttpAssert.Ok<MentoringTests.ConsentDto>(await _world.CaseManager.PostAsync($"/api/consents/{youthConsent.Id}/revoke", null));

        await MentoringWorld.Created(await _world.CaseManager.PostJson("/api/consents", GrantBody(chat)));

        Assert.Equal("open again", (await chat.Youth.SendAsync(chat.Id, "open again")).Message.Text);
    }

    private static object GrantBody(OpenChat chat) => new { subjectId = chat.YouthId, grantor = "Youth", scope = "mentoring-match", matchId = chat.Id };

    private static async Task<MentoringTests.ConsentDto> MatchConsentAsync(HttpClient reader, string youthId, string matchId) =>
        (await HttpAssert.Ok<List<MentoringTests.ConsentDto>>(await reader.GetAsync($"/api/consents?subjectId={youthId}")))
            .Single(c => c.MatchId == matchId && c.Grantor == "Youth" && c.Current);
}
