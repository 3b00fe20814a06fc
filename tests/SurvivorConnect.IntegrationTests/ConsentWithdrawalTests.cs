using System.Net;
using System.Text.Json;
using SurvivorConnect.Api.Features.Consent;
using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Api.Infrastructure.Auth;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// A youth can say no at any time, and their no stands: a consent the youth withdrew themselves is not given again by
/// their case manager on their behalf; only the youth can give it again. Nor is one their case manager withdrew at their
/// word; a yes staff recorded by mistake and took back as such, staff may record again.
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

        Assert.Contains("only they can", overridden.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Youth.SendAsync(chat.Id, "still closed?"));

        await MentoringWorld.Created(await chat.YouthHttp.PostJson("/api/consents", GrantBody(chat)));
        var sent = await chat.Youth.SendAsync(chat.Id, "I'm back");
        Assert.Equal("I'm back", sent.Message.Text);
    }

    [Fact]
    public async Task The_same_yes_said_again_is_the_one_standing_and_one_no_ends_it()
    {
        var chat = await _world.OpenChatAsync();
        var before = await ConsentsAsync(chat);
        var agreed = await MatchConsentAsync(chat.YouthHttp, chat.YouthId, chat.Id);
        var own = await MentoringWorld.Ok<MentoringTests.ConsentDto>(await chat.YouthHttp.PostJson("/api/consents", GrantBody(chat)));

        var tappedAgain = await MentoringWorld.Ok<MentoringTests.ConsentDto>(await chat.YouthHttp.PostJson("/api/consents", GrantBody(chat)));
        var staffToo = await MentoringWorld.Ok<MentoringTests.ConsentDto>(await _world.CaseManager.PostJson("/api/consents", GrantBody(chat)));

        Assert.Equal(agreed.Id, own.Id);
        Assert.Equal(own.Id, tappedAgain.Id);
        Assert.NotEqual(own.Id, staffToo.Id);
        Assert.Equal(before.Count + 1, (await ConsentsAsync(chat)).Count);

        await HttpAssert.Ok<MentoringTests.ConsentDto>(await chat.YouthHttp.PostAsync($"/api/consents/{own.Id}/revoke", null));
        Assert.DoesNotContain(await ConsentsAsync(chat), c => c.MatchId == chat.Id && c.Grantor == "Youth" && c.Current);
        await MentoringWorld.Created(await chat.YouthHttp.PostJson("/api/consents", GrantBody(chat)));
    }

    [Fact]
    public async Task A_youth_s_yes_after_staff_took_back_theirs_at_the_youth_s_word_is_recorded_anew_and_opens_the_chat_again()
    {
        var chat = await _world.OpenChatAsync();
        var own = await MatchConsentAsync(chat.YouthHttp, chat.YouthId, chat.Id);
        var staffToo = await MentoringWorld.Ok<MentoringTests.ConsentDto>(await _world.CaseManager.PostJson("/api/consents", GrantBody(chat)));
        await HttpAssert.Ok<MentoringTests.ConsentDto>(await _world.CaseManager.PostAsync($"/api/consents/{staffToo.Id}/revoke", null));
        await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Youth.SendAsync(chat.Id, "still open?"));

        var again = await HttpAssert.Ok<MentoringTests.ConsentDto>(await chat.YouthHttp.PostJson("/api/consents", GrantBody(chat)));

        Assert.NotEqual(own.Id, again.Id);
        Assert.Equal("I'm back", (await chat.Youth.SendAsync(chat.Id, "I'm back")).Message.Text);
    }

    private static async Task<List<MentoringTests.ConsentDto>> ConsentsAsync(OpenChat chat) =>
        await HttpAssert.Ok<List<MentoringTests.ConsentDto>>(await chat.YouthHttp.GetAsync($"/api/consents?subjectId={chat.YouthId}"));

    [Fact]
    public async Task A_yes_their_case_manager_recorded_for_a_youth_in_error_is_taken_back_as_never_given_and_may_be_recorded_again()
    {
        var chat = await _world.OpenChatAsync();
        var recorded = await MentoringWorld.Created<MentoringTests.ConsentDto>(await _world.CaseManager.PostJson("/api/consents", GrantBody(chat, DateTimeOffset.UtcNow.AddYears(5))));

        var taken = await HttpAssert.Ok<MentoringTests.ConsentDto>(await _world.CaseManager.PostAsync($"/api/consents/{recorded.Id}/correct", null));

        // Never given, it withdraws nothing: the youth's own yes still holds the chat open.
        Assert.False(taken.Current);
        Assert.Equal("still open", (await chat.Youth.SendAsync(chat.Id, "still open")).Message.Text);
        await MentoringWorld.Created(await _world.CaseManager.PostJson("/api/consents", GrantBody(chat, DateTimeOffset.UtcNow.AddYears(4))));
    }

    [Fact]
    public async Task A_youths_consent_their_case_manager_revoked_at_their_word_is_their_no_and_staff_cannot_say_yes_again_for_them()
    {
        var chat = await _world.OpenChatAsync();
        var youthConsent = await MatchConsentAsync(_world.CaseManager, chat.YouthId, chat.Id);

        await HttpAssert.Ok<MentoringTests.ConsentDto>(await _world.CaseManager.PostAsync($"/api/consents/{youthConsent.Id}/revoke", null));

        var again = await HttpAssert.Problem(await _world.CaseManager.PostJson("/api/consents", GrantBody(chat)), 409);
        Assert.Contains("only they can", again.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var seen = await MentoringWorld.Ok<JsonElement>(await _world.CaseManager.GetAsync($"/api/matches/{chat.Id}"));
        Assert.True(seen.GetProperty("youthSaidNo").GetBoolean());
        await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Youth.SendAsync(chat.Id, "still closed?"));

        await MentoringWorld.Created(await chat.YouthHttp.PostJson("/api/consents", GrantBody(chat)));
        Assert.Equal("my own yes", (await chat.Youth.SendAsync(chat.Id, "my own yes")).Message.Text);
    }

    [Fact]
    public async Task A_yes_the_youth_gave_themselves_cannot_be_taken_back_by_staff_as_recorded_in_error()
    {
        var chat = await _world.OpenChatAsync();
        var youthsOwn = await MatchConsentAsync(chat.YouthHttp, chat.YouthId, chat.Id);

        await HttpAssert.Problem(await _world.CaseManager.PostAsync($"/api/consents/{youthsOwn.Id}/correct", null), 409);
        await HttpAssert.Problem(await chat.YouthHttp.PostAsync($"/api/consents/{youthsOwn.Id}/correct", null), 409);

        Assert.True((await MatchConsentAsync(chat.YouthHttp, chat.YouthId, chat.Id)).Current);
    }

    [Fact]
    public async Task A_youths_no_to_a_consent_staff_revoked_a_moment_before_is_still_theirs_and_staff_cannot_say_yes_again_for_them()
    {
        var chat = await _world.OpenChatAsync();
        var youthConsent = await MatchConsentAsync(chat.YouthHttp, chat.YouthId, chat.Id);
        await HttpAssert.Ok<MentoringTests.ConsentDto>(await _world.CaseManager.PostAsync($"/api/consents/{youthConsent.Id}/revoke", null));

        // Their page still showed the consent: they press withdraw.
        await HttpAssert.Ok<MentoringTests.ConsentDto>(await chat.YouthHttp.PostAsync($"/api/consents/{youthConsent.Id}/revoke", null));

        var overridden = await HttpAssert.Problem(await _world.CaseManager.PostJson("/api/consents", GrantBody(chat)), 409);
        Assert.Contains("only they can", overridden.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Youth.SendAsync(chat.Id, "still closed?"));
        await HttpAssert.Problem(await chat.YouthHttp.PostAsync($"/api/consents/{youthConsent.Id}/revoke", null), 409);
    }

    [Fact]
    public async Task A_youths_no_reaches_the_yes_staff_recorded_for_them_after_their_page_was_drawn()
    {
        var chat = await _world.OpenChatAsync();
        var youthConsent = await MatchConsentAsync(chat.YouthHttp, chat.YouthId, chat.Id);
        await MentoringWorld.Created(await _world.CaseManager.PostJson("/api/consents", GrantBody(chat, DateTimeOffset.UtcNow.AddYears(5))));

        await HttpAssert.Ok<MentoringTests.ConsentDto>(await chat.YouthHttp.PostAsync($"/api/consents/{youthConsent.Id}/revoke", null));

        await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Youth.SendAsync(chat.Id, "still closed?"));
        await HttpAssert.Problem(await _world.CaseManager.PostJson("/api/consents", GrantBody(chat)), 409);
    }

    [Fact]
    public async Task A_youth_who_withdrew_from_a_mentor_is_not_matched_with_them_again_on_staff_say_so_and_only_the_youth_can_agree()
    {
        var (match, mentor, youth, mentorId, youthId) = await _world.ActiveMatchAsync();
        var youthConsent = await MatchConsentAsync(youth, youthId, match.Id);
        await HttpAssert.Ok<MentoringTests.ConsentDto>(await youth.PostAsync($"/api/consents/{youthConsent.Id}/revoke", null));
        await MentoringWorld.Ok(await _world.CloseAsYouthsChoiceAsync(match.Id));

        var again = await _world.AcceptedAsync(youthId, mentorId, mentor);

        var agreedForThem = await HttpAssert.Problem(await _world.CaseManager.PostAsync($"/api/matches/{again.Id}/agree", null), 409);
        Assert.Contains("only they can say yes to one again", agreedForThem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await HttpAssert.Problem(await _world.CaseManager.PostJson("/api/consents", new { subjectId = youthId, grantor = "Youth", scope = "mentoring-match", matchId = again.Id }), 409);
        Assert.Equal("AwaitingYouth", (await HttpAssert.Ok<MatchDto>(await _world.CaseManager.GetAsync($"/api/matches/{again.Id}"))).State);

        Assert.Equal("Active", (await HttpAssert.Ok<MatchDto>(await youth.PostAsync($"/api/matches/{again.Id}/agree", null))).State);
    }

    [Fact]
    public async Task A_youth_and_a_mentor_have_one_open_match_at_a_time()
    {
        var (mentorId, _) = await _world.ReadyMentorAsync();
        var (youthId, _) = await _world.YouthAsync();
        await _world.ProposeAsync(youthId, mentorId);

        var second = await HttpAssert.Problem(await _world.CaseManager.PostJson("/api/matches", new { youthId, mentorId }), 409);

        Assert.Contains("already have an open match", second.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Of_proposals_of_one_mentor_to_one_youth_sent_at_once_only_one_is_made()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (youthId, _) = await _world.YouthAsync();

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => _world.CaseManager.PostJson("/api/matches", new { youthId, mentorId })));

        Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.Created));
        Assert.All(answers.Where(a => a.StatusCode != HttpStatusCode.Created), a => Assert.Equal(HttpStatusCode.Conflict, a.StatusCode));
        var proposed = await HttpAssert.Ok<PageDto<MatchDto>>(await mentor.GetAsync("/api/matches"));
        Assert.Single(proposed.Items);
    }

    [Fact]
    public async Task A_youth_who_declined_a_mentor_is_not_agreed_for_by_staff_when_the_mentor_is_proposed_again()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (youthId, youth) = await _world.YouthAsync();
        var first = await _world.AcceptedAsync(youthId, mentorId, mentor);
        await MentoringWorld.Ok(await youth.PostAsync($"/api/matches/{first.Id}/decline", null));
        var warned = await HttpAssert.Ok<MentoringTests.RecommendationsDto>(await _world.CaseManager.GetAsync($"/api/youth/{youthId}/recommendations?top=50"));

        var again = await _world.AcceptedAsync(youthId, mentorId, mentor);

        Assert.Equal([mentorId], warned.YouthSaidNoTo);
        Assert.True((await HttpAssert.Ok<MatchDto>(await _world.CaseManager.GetAsync($"/api/matches/{again.Id}"))).YouthSaidNo);
        var listed = await HttpAssert.Ok<PageDto<MatchDto>>(await _world.CaseManager.GetAsync($"/api/matches?youthId={youthId}&open=true"));
        Assert.True(Assert.Single(listed.Items).YouthSaidNo);
        await HttpAssert.Problem(await _world.CaseManager.PostAsync($"/api/matches/{again.Id}/agree", null), 409);
        Assert.Null((await HttpAssert.Ok<MatchDto>(await mentor.GetAsync($"/api/matches/{again.Id}"))).YouthSaidNo);
    }

    [Fact]
    public async Task On_a_page_of_matches_only_the_pair_the_youth_refused_reads_as_refused()
    {
        var (refusedId, refused) = await _world.ReadyMentorAsync();
        var (otherId, other) = await _world.ReadyMentorAsync();
        var (youthId, youth) = await _world.YouthAsync();
        var (secondYouthId, _) = await _world.YouthAsync();
        var first = await _world.AcceptedAsync(youthId, refusedId, refused);
        await MentoringWorld.Ok(await youth.PostAsync($"/api/matches/{first.Id}/decline", null));

        var again = await _world.AcceptedAsync(youthId, refusedId, refused);
        var withOther = await _world.AcceptedAsync(youthId, otherId, other);
        var secondYouths = await _world.AcceptedAsync(secondYouthId, refusedId, refused);

        var open = (await HttpAssert.Ok<PageDto<MatchDto>>(await _world.CaseManager.GetAsync("/api/matches?open=true&pageSize=200"))).Items.ToDictionary(m => m.Id);
        Assert.True(open[again.Id].YouthSaidNo);
        Assert.False(open[withOther.Id].YouthSaidNo);
        Assert.False(open[secondYouths.Id].YouthSaidNo);
    }

    [Fact]
    public async Task A_no_the_case_manager_recorded_for_the_youth_stands_too()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (youthId, youth) = await _world.YouthAsync();
        var first = await _world.AcceptedAsync(youthId, mentorId, mentor);
        await MentoringWorld.Ok(await _world.RecordYouthsNoAsync(first.Id));

        var again = await _world.AcceptedAsync(youthId, mentorId, mentor);

        await HttpAssert.Problem(await _world.CaseManager.PostAsync($"/api/matches/{again.Id}/agree", null), 409);
        Assert.Equal("Active", (await HttpAssert.Ok<MatchDto>(await youth.PostAsync($"/api/matches/{again.Id}/agree", null))).State);
    }

    [Fact]
    public async Task A_youth_given_a_sign_in_later_hears_of_the_yes_staff_recorded_for_them()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var youthId = await _world.YouthWithoutSignInAsync();
        var match = await _world.AcceptedAsync(youthId, mentorId, mentor);
        await MentoringWorld.Ok(await _world.CaseManager.PostAsync($"/api/matches/{match.Id}/agree", null));
        var (personId, youth) = await _world.PersonAsync(Roles.Youth);

        await _world.LinkSignInAsync(youthId, personId);

        var told = (await HttpAssert.Ok<PageDto<NotificationDto>>(await youth.GetAsync("/api/notifications"))).Items;
        Assert.Single(told, n => n.Kind == "match-agreed-for-you" && n.MatchId == match.Id);
    }

    [Fact]
    public async Task A_youth_whose_sign_in_changes_hears_of_a_yes_given_from_the_earlier_one_but_not_of_one_withdrawn()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (youthId, earlier) = await _world.YouthAsync();
        var fromEarlier = await _world.AcceptedAsync(youthId, mentorId, mentor);
        await MentoringWorld.Ok(await earlier.PostAsync($"/api/matches/{fromEarlier.Id}/agree", null));
        var (otherMentorId, other) = await _world.ReadyMentorAsync();
        var withdrawn = await _world.AcceptedAsync(youthId, otherMentorId, other);
        await MentoringWorld.Ok(await _world.CaseManager.PostAsync($"/api/matches/{withdrawn.Id}/agree", null));
        var staffYes = await MatchConsentAsync(earlier, youthId, withdrawn.Id);
        await HttpAssert.Ok<MentoringTests.ConsentDto>(await earlier.PostAsync($"/api/consents/{staffYes.Id}/revoke", null));
        var (personId, youth) = await _world.PersonAsync(Roles.Youth);

        await _world.LinkSignInAsync(youthId, personId);

        var told = (await HttpAssert.Ok<PageDto<NotificationDto>>(await youth.GetAsync("/api/notifications"))).Items;
        Assert.Equal(["match-agreed-earlier-sign-in"], told.Where(n => n.MatchId == fromEarlier.Id).Select(n => n.Kind));
        Assert.DoesNotContain(told, n => n.MatchId == withdrawn.Id);
    }

    [Fact]
    public async Task Staff_may_agree_for_a_youth_to_a_different_mentor_and_the_youth_is_told()
    {
        var (match, _, youth, mentorId, youthId) = await _world.ActiveMatchAsync();
        await MentoringWorld.Ok(await youth.PostAsync($"/api/matches/{match.Id}/end", null));
        var (otherId, other) = await _world.ReadyMentorAsync();
        var next = await _world.AcceptedAsync(youthId, otherId, other);

        Assert.False((await HttpAssert.Ok<MatchDto>(await _world.CaseManager.GetAsync($"/api/matches/{next.Id}"))).YouthSaidNo);
        Assert.Equal("Active", (await HttpAssert.Ok<MatchDto>(await _world.CaseManager.PostAsync($"/api/matches/{next.Id}/agree", null))).State);

        var told = (await HttpAssert.Ok<PageDto<NotificationDto>>(await youth.GetAsync("/api/notifications"))).Items;
        Assert.Contains(told, n => n.Kind == "match-agreed-for-you" && n.MatchId == next.Id);
        Assert.NotEqual(mentorId, otherId);
    }

    [Fact]
    public async Task A_youth_is_told_when_their_case_manager_records_their_consent_to_a_match()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (youthId, youth) = await _world.YouthAsync();
        var match = await _world.AcceptedAsync(youthId, mentorId, mentor);

        await MentoringWorld.Created(await _world.CaseManager.PostJson("/api/consents", new { subjectId = youthId, grantor = "Youth", scope = "mentoring-match", matchId = match.Id }));

        var told = (await HttpAssert.Ok<PageDto<NotificationDto>>(await youth.GetAsync("/api/notifications"))).Items;
        Assert.Contains(told, n => n.Kind == "match-agreed-for-you" && n.MatchId == match.Id);
    }

    [Fact]
    public async Task Once_a_consent_to_a_started_match_is_withdrawn_neither_party_sees_the_other_as_they_are_now_until_it_is_given_again()
    {
        var (match, mentor, youth, _, youthId) = await _world.ActiveMatchAsync();
        static string YouthName(MatchDto m) => m.Youth!.Value.GetProperty("displayName").GetString()!;
        static int MentorInterests(MatchDto m) => m.Mentor!.Value.GetProperty("interests").GetArrayLength();
        Assert.NotEqual(MatchView.YouthNoLongerShown, YouthName(await MentoringWorld.Ok<MatchDto>(await mentor.GetAsync($"/api/matches/{match.Id}"))));
        Assert.NotEqual(0, MentorInterests(await MentoringWorld.Ok<MatchDto>(await youth.GetAsync($"/api/matches/{match.Id}"))));

        var given = await MatchConsentAsync(youth, youthId, match.Id);
        await HttpAssert.Ok<MentoringTests.ConsentDto>(await youth.PostAsync($"/api/consents/{given.Id}/revoke", null));

        Assert.Equal(MatchView.YouthNoLongerShown, YouthName(await MentoringWorld.Ok<MatchDto>(await mentor.GetAsync($"/api/matches/{match.Id}"))));
        var listed = (await HttpAssert.Ok<PageDto<MatchDto>>(await mentor.GetAsync("/api/matches"))).Items.Single(m => m.Id == match.Id);
        Assert.Equal(MatchView.YouthNoLongerShown, YouthName(listed));
        Assert.Equal(0, MentorInterests(await MentoringWorld.Ok<MatchDto>(await youth.GetAsync($"/api/matches/{match.Id}"))));

        await MentoringWorld.Created(await youth.PostJson("/api/consents", new { subjectId = youthId, grantor = "Youth", scope = "mentoring-match", matchId = match.Id }));
        Assert.NotEqual(MatchView.YouthNoLongerShown, YouthName(await MentoringWorld.Ok<MatchDto>(await mentor.GetAsync($"/api/matches/{match.Id}"))));
    }

    private static object GrantBody(OpenChat chat, DateTimeOffset? expiresAt = null) =>
        new { subjectId = chat.YouthId, grantor = "Youth", scope = "mentoring-match", matchId = chat.Id, expiresAt };

    private static async Task<MentoringTests.ConsentDto> MatchConsentAsync(HttpClient reader, string youthId, string matchId) =>
        (await HttpAssert.Ok<List<MentoringTests.ConsentDto>>(await reader.GetAsync($"/api/consents?subjectId={youthId}")))
            .Single(c => c.MatchId == matchId && c.Grantor == "Youth" && c.Current);
}

/// <summary>A youth's no and a yes staff record for them at the same moment: the no wins.</summary>
public sealed class ConsentWithdrawalRaceTests(CountingApiFactory api) : IClassFixture<CountingApiFactory>
{
    private readonly MentoringWorld _world = new(api);

    [Fact]
    public async Task A_yes_staff_record_for_the_youth_while_the_youths_no_is_being_written_is_stopped_by_it()
    {
        var chat = await _world.OpenChatAsync();
        var yes = await YesWhileNoIsWrittenAsync(chat, _world.CaseManager);

        Assert.Equal(HttpStatusCode.Created, yes.StatusCode);
        Assert.False(await CurrentAsync(chat));
        await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Youth.SendAsync(chat.Id, "still closed?"));
    }

    [Fact]
    public async Task A_yes_the_youth_gives_in_another_tab_while_their_no_is_being_written_is_their_later_word_and_stands()
    {
        var chat = await _world.OpenChatAsync();
        var yes = await YesWhileNoIsWrittenAsync(chat, chat.YouthHttp);

        Assert.Equal(HttpStatusCode.Created, yes.StatusCode);
        Assert.True(await CurrentAsync(chat));
    }

    [Fact]
    public async Task A_youths_no_written_while_their_case_manager_agrees_for_them_stops_the_agreement_s_yes()
    {
        var (mentorId, mentor) = await _world.ReadyMentorAsync();
        var (youthId, youth) = await _world.YouthAsync();
        var match = await _world.AcceptedAsync(youthId, mentorId, mentor);
        var own = await MentoringWorld.Created<MentoringTests.ConsentDto>(
            await youth.PostJson("/api/consents", new { subjectId = youthId, grantor = "Youth", scope = "mentoring-match", matchId = match.Id }));
        HttpResponseMessage? no = null;
        api.Counter.WhileCreating = async document =>
        {
            if (document is ConsentRecord { Grantor: ConsentGrantor.Youth, GivenBySubject: false } staffYes && staffYes.MatchId == match.Id && no is null)
            {
                api.Counter.WhileCreating = null;
                no = await youth.PostAsync($"/api/consents/{own.Id}/revoke", null);
            }
        };
        try
        {
            await HttpAssert.Ok<MatchDto>(await _world.CaseManager.PostAsync($"/api/matches/{match.Id}/agree", null));
        }
        finally
        {
            api.Counter.WhileCreating = null;
        }

        await HttpAssert.Ok<MentoringTests.ConsentDto>(no!);
        var consents = await HttpAssert.Ok<List<MentoringTests.ConsentDto>>(await _world.CaseManager.GetAsync($"/api/consents?subjectId={youthId}"));
        Assert.DoesNotContain(consents, c => c.MatchId == match.Id && c.Grantor == "Youth" && c.Current);

        // Nobody is told of a yes the youth's no took back.
        foreach (var told in new[] { youth, mentor })
        {
            var notices = await HttpAssert.Ok<PageDto<NotificationDto>>(await told.GetAsync("/api/notifications?pageSize=100"));
            Assert.DoesNotContain(notices.Items, n => n.MatchId == match.Id && n.Kind is "match-active" or "match-agreed-for-you");
        }

        var caseManagerTold = await HttpAssert.Ok<PageDto<NotificationDto>>(await _world.CaseManager.GetAsync("/api/notifications?pageSize=100"));
        Assert.Contains(caseManagerTold.Items, n => n.MatchId == match.Id && n.Kind == "consent-revoked");

        await HttpAssert.Problem(await _world.CaseManager.PostJson("/api/consents", new { subjectId = youthId, grantor = "Youth", scope = "mentoring-match", matchId = match.Id }), 409);
    }

    /// <summary>The youth withdraws their consent to the match; just before their no is written, <paramref name="by"/> records another yes for them.</summary>
    private async Task<HttpResponseMessage> YesWhileNoIsWrittenAsync(OpenChat chat, HttpClient by)
    {
        var youthConsent = (await HttpAssert.Ok<List<MentoringTests.ConsentDto>>(await chat.YouthHttp.GetAsync($"/api/consents?subjectId={chat.YouthId}")))
            .Single(c => c.MatchId == chat.Id && c.Grantor == "Youth" && c.Current);
        HttpResponseMessage? yes = null;
        api.Counter.BeforeReplace = async (_, document) =>
        {
            if (document is ConsentRecord { RevokedAt: not null, WithdrawnBySubject: true } && yes is null)
            {
                api.Counter.BeforeReplace = null;
                // Until a date, so it is a new yes and not the one being withdrawn said again.
                yes = await by.PostJson("/api/consents", new { subjectId = chat.YouthId, grantor = "Youth", scope = "mentoring-match", matchId = chat.Id, expiresAt = DateTimeOffset.UtcNow.AddDays(30) });
            }
        };
        try
        {
            await HttpAssert.Ok<MentoringTests.ConsentDto>(await chat.YouthHttp.PostAsync($"/api/consents/{youthConsent.Id}/revoke", null));
        }
        finally
        {
            api.Counter.BeforeReplace = null;
        }

        return yes!;
    }

    private async Task<bool> CurrentAsync(OpenChat chat) =>
        (await HttpAssert.Ok<List<MentoringTests.ConsentDto>>(await _world.CaseManager.GetAsync($"/api/consents?subjectId={chat.YouthId}")))
            .Any(c => c.MatchId == chat.Id && c.Grantor == "Youth" && c.Current);
}
