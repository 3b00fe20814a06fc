using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using SurvivorConnect.Api.Features.Consent;
using SurvivorConnect.Api.Features.Mentoring.Rules;
using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Lists;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Api.Infrastructure.Tenancy;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Mentoring;

public sealed record YouthRequest(
    string? DisplayName, int? Age, string[]? Languages, string? Gender, string? Region, GeoPoint? Location, string[]? Interests,
    string[]? Needs, MentorPreferences? Preferences, string[]? DoNotMatch, string? PersonId, string? Stage)
{
    public void Validate(ValidationErrors errors, bool isReferral)
    {
        errors.Text("displayName", DisplayName, 60)
            .Range("age", Age, 10, 25)
            .Tags("languages", Languages).Tags("interests", Interests).Tags("needs", Needs)
            .Text("gender", Gender, ValidationErrors.MaxTagLength, required: false)
            .Text("region", Region, 80, required: false)
            .Text("personId", PersonId, 128, required: false)
            .Text("preferences.mentorGender", Preferences?.MentorGender, ValidationErrors.MaxTagLength, required: false)
            .Location("location", Location);
        if (Age is null)
        {
            errors.Add("age", "Required.");
        }

        // Mentors by their ids, as a match step compares them: a name or a label would block nobody.
        if (DoNotMatch is { Length: > ValidationErrors.MaxListItems })
        {
            errors.Add("doNotMatch", $"At most {ValidationErrors.MaxListItems} mentors.");
        }

        foreach (var id in DoNotMatch ?? [])
        {
            if (id is null || !PeopleRules.IsValidId(id.Trim()))
            {
                errors.Add("doNotMatch", "Each is a mentor's id: letters, digits, '-' or '_'.");
            }
        }

        if (isReferral)
        {
            errors.Stage("stage", Stage);
        }
        else if (Stage is not null)
        {
            errors.Add("stage", "Record stage changes with POST /api/youth/{id}/stage or /relapse, so the history stays whole.");
        }
    }
}

public sealed record StageRequest(string? Stage, string? Note);

public sealed record CaseManagersRequest(string[]? CaseManagerIds);

public sealed record YouthView(
    string Id, string DisplayName, string? PersonId, int Age, IReadOnlyList<string> Languages, string? Gender, string? Region, GeoPoint? Location,
    IReadOnlyList<string> Interests, IReadOnlyList<string> Needs, MentorPreferences Preferences, IReadOnlyList<string> DoNotMatch,
    IReadOnlyList<string> CaseManagerIds, StageOfChange Stage, DateTimeOffset ReferredAt)
{
    public static YouthView From(YouthReferral y) => new(y.Id, y.DisplayName, y.PersonId, y.Age, y.Languages, y.Gender, y.Region, y.Location,
        y.Interests, y.Needs, y.Preferences, y.DoNotMatch, y.CaseManagerIds, y.Stage, y.ReferredAt);
}

public sealed record YouthSummary(string Id, string DisplayName, StageOfChange Stage);

/// <param name="Version">The youth's record version, for the next stage recorded (If-Match).</param>
public sealed record StageHistoryView(string YouthId, StageOfChange Current, IReadOnlyList<StageEvent> Events, string Version);

/// <param name="YouthSaidNoTo">
/// The recommended mentors the youth's last answer about is no: they may be proposed again, but only the youth can agree.
/// </param>
public sealed record RecommendationsView(
    string YouthId, StageOfChange Stage, IReadOnlyList<ScoredMentor> Mentors, int Considered, int Excluded, IReadOnlyDictionary<string, int> ExcludedBy,
    IReadOnlyList<string> YouthSaidNoTo);

public sealed record MentorName(string MentorId, string DisplayName);

/// <param name="Listed">Who the youth must never be matched with, by name (their profile's, else the name the agency gave them).</param>
/// <param name="Found">Mentors whose name holds what was looked for and who are not listed yet; empty when nothing was looked for.</param>
/// <param name="Version">The youth's record version, for the change that follows (If-Match).</param>
public sealed record DoNotMatchView(string YouthId, IReadOnlyList<MentorName> Listed, IReadOnlyList<MentorName> Found, string Version);

/// <summary>
/// A youth's do-not-match list by name, and the mentors to add to it found by name: a case manager knows who must be
/// kept away (someone linked to the youth's exploiter, someone they know) by name, never by id.
/// </summary>
public sealed record GetDoNotMatch(string YouthId, string? Find) : IQuery<DoNotMatchView>, IValidate, IAudited
{
    public const int MostFound = 10;

    public AuditTarget Audit => new("youth.read-do-not-match", "youth", YouthId);

    public void Validate(ValidationErrors errors) => errors.Text("find", Find, 60, required: false);
}

public sealed record ReferYouth(string YouthId, YouthRequest Body) : ICommand<YouthReferral>, IValidate, IAudited
{
    public AuditTarget Audit => new("youth.refer", "youth", YouthId);

    public void Validate(ValidationErrors errors) => Body.Validate(errors, isReferral: true);
}

public sealed record UpdateYouth(string YouthId, YouthRequest Body, string? IfMatch) : ICommand<YouthReferral>, IValidate, IAudited
{
    public AuditTarget Audit => new("youth.update", "youth", YouthId);

    public void Validate(ValidationErrors errors) => Body.Validate(errors, isReferral: false);
}

/// <summary>Hands a youth over to other case managers: those left out lose the youth's record and chats at once.</summary>
public sealed record SetCaseManagers(string YouthId, CaseManagersRequest Body, string? IfMatch) : ICommand<YouthReferral>, IValidate, IAudited
{
    public const int MaxCaseManagers = 5;

    public AuditTarget Audit => new("youth.set-case-managers", "youth", YouthId);

    public void Validate(ValidationErrors errors)
    {
        if (Body.CaseManagerIds is not { Length: > 0 and <= MaxCaseManagers } ids)
        {
            errors.Add("caseManagerIds", $"Name 1 to {MaxCaseManagers} case managers.");
            return;
        }

        foreach (var id in ids)
        {
            errors.Text("caseManagerIds", id, 128);
        }
    }
}

/// <summary>The caller's caseload (an admin's: every youth of the agency), by name, a page at a time.</summary>
public sealed record ListYouth(int PageSize = Paging.DefaultPageSize, string? ContinuationToken = null) : IQuery<Page<YouthSummary>>, IValidate, IAudited
{
    public AuditTarget Audit => new("youth.list", "youth");

    public void Validate(ValidationErrors errors) => Paging.Validate(errors, PageSize);
}

public sealed record GetYouth(string YouthId) : IQuery<YouthReferral>, IAudited
{
    public AuditTarget Audit => new("youth.read", "youth", YouthId);
}

/// <param name="IfMatch">
/// The youth's record version the stage was chosen from (optional): from a page made before a stage recorded since (a
/// second tap, another case manager), the step is refused, not recorded twice into the youth's history and outcomes.
/// </param>
public sealed record RecordStage(string YouthId, StageRequest Body, bool IsRelapse, string? IfMatch = null) : ICommand<StageHistoryView>, IValidate, IAudited
{
    public AuditTarget Audit => new(IsRelapse ? "youth.record-relapse" : "youth.record-stage", "youth", YouthId);

    public void Validate(ValidationErrors errors) => errors.Stage("stage", Body.Stage).Text("note", Body.Note, 1000, required: false);
}

public sealed record GetStageHistory(string YouthId) : IQuery<StageHistoryView>, IAudited
{
    public AuditTarget Audit => new("youth.read-stages", "youth", YouthId);
}

public sealed record GetRecommendations(string YouthId, int Top) : IQuery<RecommendationsView>, IValidate, IAudited
{
    public AuditTarget Audit => new("youth.recommend-mentors", "youth", YouthId);

    public void Validate(ValidationErrors errors) => errors.Range("top", Top, 1, 50);
}

internal sealed class YouthHandlers(
    MentoringData data, MentorPool pool, PeopleRepository people, IOptions<MatchingWeights> weights, MatchConsentGuard consent, MentorEligibilityGuard eligibility,
    Notifier notifier, OpenPages pages, IPublisher publisher, NameOrderBackfill nameOrder)
    : ICommandHandler<ReferYouth, YouthReferral>,
      ICommandHandler<UpdateYouth, YouthReferral>,
      ICommandHandler<SetCaseManagers, YouthReferral>,
      IQueryHandler<ListYouth, Page<YouthSummary>>,
      IQueryHandler<GetYouth, YouthReferral>,
      ICommandHandler<RecordStage, StageHistoryView>,
      IQueryHandler<GetStageHistory, StageHistoryView>,
      IQueryHandler<GetRecommendations, RecommendationsView>,
      IQueryHandler<GetDoNotMatch, DoNotMatchView>
{
    public async ValueTask<YouthReferral> Handle(ReferYouth command, CancellationToken ct)
    {
        var body = command.Body;
        await CheckPersonAsync(body.PersonId, ct);
        await CheckDoNotMatchAsync(body.DoNotMatch, ct);
        if (body.DoNotMatch?.Any(id => id.Trim() == data.User.UserId) == true)
        {
            throw new RequestValidationException("doNotMatch", "You would be this youth's case manager: ask another case manager to refer them.");
        }

        // The form names the referral's id (a second tap makes no second referral). One that is someone's sign-in would
        // make that person a youth on this caseload wherever a record is looked up by either (their consents, say).
        if (await data.FindAsync<Person>(Person.Container, command.YouthId, ct) is not null)
        {
            throw new ConflictException("This form cannot refer anyone. Reload the page and refer the youth again.");
        }

        var stage = MentoringValidation.ParseStage(body.Stage);
        var youth = Apply(new YouthReferral
        {
            Id = command.YouthId,
            DisplayName = body.DisplayName!,
            Age = body.Age!.Value,
            CaseManagerIds = [data.User.UserId],
            Stage = stage,
            StageHistory = [new StageEvent("referral", stage, null, data.Now, data.User.UserId, null)],
            ReferredAt = data.Now,
        }, body);
        try
        {
            return await SaveAsync(youth, null, null, ct);
        }
        catch (StoreException ex) when (ex.IsAlreadyThere)
        {
            // The same form sent again (a second tap): one referral.
            throw new ConflictException("This referral is added already. It is in the caseload.");
        }
    }

    public async ValueTask<YouthReferral> Handle(UpdateYouth command, CancellationToken ct)
    {
        var ifMatch = command.IfMatch ?? throw new PreconditionRequiredException();
        var youth = await data.YouthForStaffAsync(command.YouthId, adminMayRead: false, ct);

        // Only a sign-in being linked now is checked: one linked before and deactivated since (a phone someone else
        // has) must not stop the record being saved, least of all a do-not-match added because of it.
        if (command.Body.PersonId?.Trim() is { Length: > 0 } personId && personId != youth.PersonId)
        {
            await CheckPersonAsync(personId, ct);
        }

        await CheckDoNotMatchAsync(command.Body.DoNotMatch?.Where(id => !youth.DoNotMatch.Contains(id?.Trim(), StringComparer.Ordinal)).ToArray(), ct);
        var changed = Apply(youth, command.Body);
        await CheckChildHoldsNoOtherRoleAsync(youth, changed, ct);

        // Someone the youth is never to meet does not read everything about them either: they stop being a case manager.
        var acting = changed.ActingCaseManagerIds.ToList();
        if (acting.Count == 0)
        {
            throw new ConflictException("They are this youth's only case manager. Hand the youth to another case manager first, then add them to the list.");
        }

        var loosened = await LoosenedAsync(youth, changed, ct) ?? (youth.ProtectionLoosened is { } prior && prior.StillNews(data.Now) ? prior : null);
        var saved = await SaveAsync(changed with { CaseManagerIds = acting, ProtectionLoosened = loosened }, youth.PersonId, ifMatch, ct);

        // Saved: each follow-up is tried whatever became of the others, and one that failed is "saved, not yet finished".
        var failures = new List<Exception>();
        async Task TryAsync(Func<Task> step)
        {
            try
            {
                await step();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                failures.Add(ex);
            }
        }

        // The do-not-match list and preferences are what a match step checks of the youth: one under way now fails. One
        // quick write, first, so a match begun meanwhile is among those told next.
        await TryAsync(() => eligibility.YouthChangedAsync(saved.Id));

        // Who the youth in a chat is, which consents their matches need (by age), and whether a mentor is on their
        // do-not-match list, follow at once: before the pages drawn again across instances, which may be slow, as a
        // mentor newly kept away may be writing to the youth now.
        if (saved.PersonId != youth.PersonId || saved.Age != youth.Age || !saved.DoNotMatch.SequenceEqual(youth.DoNotMatch, StringComparer.Ordinal))
        {
            await TryAsync(() => TellMatchesAsync(saved.Id));
        }

        // Former case managers, and anyone now on the do-not-match list (a professional on the youth's team reads its safety
        // plan no more): their open pages are drawn again without the youth. Not the youth's own mentors, who sit on no
        // team of theirs: their open chat is cleared by the chat itself, and says why.
        await TryAsync(async () => await pages.RedrawAsync(data.AgencyId, youth.CaseManagerIds.Except(acting, StringComparer.Ordinal)
            .Concat(await NewlyKeptOffTeamAsync(youth, saved, ct))));

        if (saved.PersonId is not null && saved.PersonId != youth.PersonId)
        {
            await TryAsync(async () => await publisher.Publish(new YouthSignInLinked(saved, youth.PersonId), CancellationToken.None));
        }

        // Told last, after what keeps the youth safe: one that fails is told when the record is saved again within the hour.
        await TryAsync(() => TellWhileNewsAsync(saved));
        return failures.Count == 0 ? saved : throw new FollowUpsPendingException(failures[0]);
    }

    /// <summary>
    /// A change that protects the youth less: recorded as an adult under the agency's consent policy (their matches no
    /// longer need a guardian's or the agency's consent), or someone taken off their do-not-match list. Null when none.
    /// </summary>
    private async Task<ProtectionLoosened?> LoosenedAsync(YouthReferral before, YouthReferral after, CancellationToken ct)
    {
        var takenOff = before.DoNotMatch.Except(after.DoNotMatch, StringComparer.Ordinal).ToList();
        var nowAdult = after.Age > before.Age && await data.PolicyAsync(ct) is { MinorMatchNeeds.Count: > 0 } policy
            && before.Age < policy.AdultAge && after.Age >= policy.AdultAge;
        // Whoever an earlier change still being told took off is never told by this one either.
        var earlier = before.ProtectionLoosened is { } prior && prior.StillNews(data.Now) ? prior.TakenOff : [];
        return takenOff.Count > 0 || nowAdult ? new ProtectionLoosened(data.User.UserId, data.Now, [.. earlier.Union(takenOff, StringComparer.Ordinal)]) : null;
    }

    /// <summary>
    /// The youth's other case managers and the agency's admins hear of a change that protects the youth less, as admins do
    /// of the agency's policy loosened, so no one case manager does it unseen; on every save while it is news, once each.
    /// Not whoever was taken off the list, nor anyone kept from the youth: it would tell them they were on it.
    /// </summary>
    private async Task TellWhileNewsAsync(YouthReferral youth)
    {
        if (youth.ProtectionLoosened is not { } loosened || !loosened.StillNews(data.Now))
        {
            return;
        }

        var kept = await data.KeptFromYouthAsync(youth.Id, CancellationToken.None);
        var told = (await data.ActiveCaseManagersAsync(youth, CancellationToken.None)).Union(await data.Store.AdminsToTellAsync(CancellationToken.None), StringComparer.Ordinal)
            .Where(id => id != loosened.By && !loosened.TakenOff.Contains(id, StringComparer.Ordinal) && !kept.Contains(id, StringComparer.Ordinal));
        foreach (var recipient in told)
        {
            await notifier.SendOnceAsync(recipient, Notices.YouthProtectedLess, $"youth-protected-less~{youth.Id}~{loosened.At.UtcTicks}", CancellationToken.None);
        }
    }

    public async ValueTask<YouthReferral> Handle(SetCaseManagers command, CancellationToken ct)
    {
        var ifMatch = command.IfMatch ?? throw new PreconditionRequiredException();
        var youth = await data.YouthForStaffAsync(command.YouthId, adminMayRead: true, ct);
        var ids = command.Body.CaseManagerIds!.Select(id => id.Trim()).Distinct(StringComparer.Ordinal).ToList();
        foreach (var id in ids)
        {
            var person = PeopleRules.IsValidId(id) ? await people.FindAsync(data.AgencyId, id, ct) : null;
            if (person is not { Active: true } || !person.Roles.Contains(Roles.CaseManager))
            {
                throw new RequestValidationException("caseManagerIds", $"'{id}' is not an active case manager of your agency.");
            }
        }

        // An admin does not put themselves in front of a youth's chats and flags while another admin can decide it, as
        // they do not give themselves a role.
        var me = data.User.UserId;
        if (ids.Contains(me) && !youth.CaseManagerIds.Contains(me) && await data.Store.AnotherAdminExistsAsync(me, ct))
        {
            throw new ConflictException("Another agency admin adds you to a youth's case managers.");
        }

        if (ids.FirstOrDefault(youth.DoNotMatch.Contains) is { } kept)
        {
            throw new RequestValidationException("caseManagerIds", $"'{kept}' is on this youth's do-not-match list, so cannot be their case manager.");
        }

        // A youth's own sign-in, now or before, given a staff role since (a survivor hired later, say), would record
        // consents to their own matches as staff and read their own record as the agency keeps it.
        if (MentoringData.SignInsOf(youth).FirstOrDefault(ids.Contains) is { } own)
        {
            throw new RequestValidationException("caseManagerIds", $"'{own}' is this youth's own sign-in, so cannot be their case manager.");
        }

        // A mentor now or before (one the youth turned down too) would read the youth's whole record and lead their team.
        var mentors = (await data.MatchesAsync(Filter.Eq("youthId", youth.Id), openOnly: false, ct))
            .Where(m => MatchLifecycle.IsOpen(m.State) || m.MentorSaidYes()).Select(m => m.MentorId).ToHashSet(StringComparer.Ordinal);
        if (ids.FirstOrDefault(mentors.Contains) is { } mentor)
        {
            throw new RequestValidationException("caseManagerIds", $"'{mentor}' mentors or mentored this youth, so cannot be their case manager.");
        }

        var saved = await data.Store.ReplaceAsync(YouthReferral.Container, youth with { CaseManagerIds = ids }, ifMatch, ct);
        // A match step checked against the old case managers fails, as after any change to the youth that it reads.
        await eligibility.YouthChangedAsync(saved.Id);

        // Open chats follow the caseload at once: former case managers stop reading them, new ones may join; their open
        // pages (the youth's record, the caseload, the flags) are drawn again without the youth.
        await TellMatchesAsync(saved.Id);
        await pages.RedrawAsync(data.AgencyId, youth.CaseManagerIds.Except(ids, StringComparer.Ordinal));

        var added = ids.Except(youth.CaseManagerIds, StringComparer.Ordinal).ToList();
        await notifier.SendAsync(added, Notices.CaseloadAdded, null, ct);

        // The same list sent again (what followed the first failed): each hears again of the flags waiting, each told once
        // while its notice stands, as nothing is added to tell them. Someone merely taken off the list tells nobody anew.
        List<string> toTell = added.Count > 0 ? added : ids.ToHashSet(StringComparer.Ordinal).SetEquals(youth.CaseManagerIds) ? ids : [];
        if (toTell.Count > 0)
        {
            await publisher.Publish(new CaseManagersAdded(saved, toTell), CancellationToken.None);
        }
        return saved;
    }

    public async ValueTask<Page<YouthSummary>> Handle(ListYouth query, CancellationToken ct)
    {
        // A case manager's own caseload is found by the store (the policy lets only case managers and admins
        // ask); only the agency admin lists every youth. Names in the order people read them, not by code point.
        await nameOrder.EnsureAsync<YouthReferral>(YouthReferral.Container, data.AgencyId, ct);
        data.Basis.Record(data.User.IsInRole(Roles.AgencyAdmin) ? AccessBasis.AgencyAdministration : AccessBasis.Caseload);
        // An admin who mentors a youth, or is never to be matched with them, does not find them on the agency's list
        // (unless on their caseload), and the list is read on past them rather than left with a gap.
        var page = await Paging.ReadPastAsync(query.PageSize, query.ContinuationToken,
            async (size, token) => await data.Store.PageAsync<YouthReferral>(YouthReferral.Container,
                data.User.IsInRole(Roles.AgencyAdmin) ? [] : [Filter.Contains("caseManagerIds", data.User.UserId)],
                orderBy: NameOrder.Field, descending: false, size, token, ct),
            async read =>
            {
                var kept = await data.YouthKeptFromAdminAsync(read, ct);
                return read.Where(y => !kept.Contains(y.Id) || data.IsCaseManagerOf(y));
            });
        data.Listed.AddYouth(page.Items.Select(y => y.Id));
        return new Page<YouthSummary>([.. page.Items.Select(y => new YouthSummary(y.Id, y.DisplayName, y.Stage))], page.ContinuationToken);
    }

    public async ValueTask<YouthReferral> Handle(GetYouth query, CancellationToken ct) =>
        await data.YouthForStaffAsync(query.YouthId, adminMayRead: true, ct);

    public async ValueTask<StageHistoryView> Handle(RecordStage command, CancellationToken ct)
    {
        var youth = await data.YouthForStaffAsync(command.YouthId, adminMayRead: false, ct);
        var stage = MentoringValidation.ParseStage(command.Body.Stage);
        var note = command.Body.Note?.Trim();

        // The caller's own step sent again soon after from the page it was made on (its follow-up failed): recorded once,
        // answered as done, and what follows a relapse (the mentors asked to check in) done again.
        if (command.IfMatch is { } seen && seen != youth.ETag && youth.StageHistory is [.., var last]
            && last.Kind == (command.IsRelapse ? "relapse" : "transition") && last.Stage == stage && last.Note == note && last.RecordedBy == data.User.UserId
            && data.Now - last.At < StepSentAgainWithin)
        {
            if (command.IsRelapse)
            {
                await publisher.FinishAsync(new YouthRelapsed(youth.Id));
            }

            return new StageHistoryView(youth.Id, youth.Stage, youth.StageHistory, youth.ETag ?? "");
        }

        // A relapse is recorded, never treated as failure: no match is touched by it. Either is recorded from the stage the
        // page showed (its version): sent twice, a relapse would count twice in the outcomes, and a move from a page read
        // before a colleague's would be recorded from a stage the youth had left.
        var recorded = command.IsRelapse
            ? StageRules.Relapse(youth.Stage, stage, data.Now, data.User.UserId, note)
            : StageRules.Transition(youth.Stage, stage, data.Now, data.User.UserId, note);
        var saved = await data.Store.ReplaceAsync(YouthReferral.Container, youth with
        {
            Stage = recorded.Stage,
            StageHistory = StageRules.Add(youth.StageHistory, recorded),
        }, command.IfMatch ?? throw new PreconditionRequiredException(), ct);
        if (command.IsRelapse)
        {
            await publisher.FinishAsync(new YouthRelapsed(saved.Id));
        }

        return new StageHistoryView(saved.Id, saved.Stage, saved.StageHistory, saved.ETag ?? "");
    }

    /// <summary>How long after a stage step sending it again from its page finishes what follows it: a retry comes in moments.</summary>
    private static readonly TimeSpan StepSentAgainWithin = TimeSpan.FromMinutes(10);

    public async ValueTask<StageHistoryView> Handle(GetStageHistory query, CancellationToken ct)
    {
        var youth = await data.YouthForStaffAsync(query.YouthId, adminMayRead: true, ct);
        return new StageHistoryView(youth.Id, youth.Stage, youth.StageHistory, youth.ETag ?? "");
    }

    public async ValueTask<RecommendationsView> Handle(GetRecommendations query, CancellationToken ct)
    {
        var youth = await data.YouthForStaffAsync(query.YouthId, adminMayRead: false, ct);
        var candidates = await pool.CandidatesAsync(data, ct);
        var pairHistory = PairConstraints.FromHistory(await data.MatchesAsync(Filter.Eq("youthId", youth.Id), openOnly: false, ct));
        var result = Recommender.Recommend(youth, candidates, new MatchScorer(weights.Value), query.Top, pairHistory);
        var saidNo = await consent.SaidNoAsync([.. result.Mentors.Select(m => (youth, m.MentorId))], ct);
        return new RecommendationsView(youth.Id, youth.Stage, result.Mentors, result.Considered, result.Excluded, result.ExcludedBy,
            [.. result.Mentors.Select(m => m.MentorId).Where(id => saidNo.Contains((youth.Id, id)))]);
    }

    public async ValueTask<DoNotMatchView> Handle(GetDoNotMatch query, CancellationToken ct)
    {
        var youth = await data.YouthForStaffAsync(query.YouthId, adminMayRead: false, ct);
        var profiles = (await data.Store.ManyAsync<MentorProfile>(MentorProfile.Container, youth.DoNotMatch, ct)).ToDictionary(m => m.Id, StringComparer.Ordinal);
        var people = (await data.Store.ManyAsync<Person>(Person.Container, youth.DoNotMatch.Where(id => !profiles.ContainsKey(id)), ct)).ToDictionary(p => p.Id, StringComparer.Ordinal);
        var listed = youth.DoNotMatch
            .Select(id => new MentorName(id, profiles.TryGetValue(id, out var m) ? m.DisplayName : people.TryGetValue(id, out var p) ? p.DisplayName : id))
            .ToList();

        // Names compare as the caseload orders them, so "Jose" finds "José".
        var key = NameOrder.Key(query.Find);
        IReadOnlyList<MentorName> found = [];
        if (key.Length > 0)
        {
            // Every mentor with a profile, held or busy too: the list must keep someone away whenever they become free.
            found = [.. (await pool.CandidatesAsync(data, ct)).Select(c => c.Profile)
                .Where(m => !youth.DoNotMatch.Contains(m.Id, StringComparer.Ordinal) && NameOrder.Key(m.DisplayName).Contains(key, StringComparison.Ordinal))
                .OrderBy(m => NameOrder.Key(m.DisplayName), StringComparer.Ordinal).ThenBy(m => m.Id, StringComparer.Ordinal)
                .Take(GetDoNotMatch.MostFound)
                .Select(m => new MentorName(m.Id, m.DisplayName))];
        }

        return new DoNotMatchView(youth.Id, listed, found, youth.ETag ?? "");
    }

    /// <summary>Those put on the youth's do-not-match list by this change who are not mentors of the youth's.</summary>
    private async Task<IEnumerable<string>> NewlyKeptOffTeamAsync(YouthReferral before, YouthReferral after, CancellationToken ct)
    {
        var added = after.DoNotMatch.Except(before.DoNotMatch, StringComparer.Ordinal).ToList();
        if (added.Count == 0)
        {
            return [];
        }

        var mentors = (await data.MatchesAsync(Filter.Eq("youthId", after.Id), openOnly: false, ct)).Select(m => m.MentorId).ToHashSet(StringComparer.Ordinal);
        return added.Where(id => !mentors.Contains(id));
    }

    private async Task TellMatchesAsync(string youthId) =>
        await publisher.TellEveryAsync(await data.MatchesAsync(Filter.Eq("youthId", youthId), openOnly: false, CancellationToken.None));

    private static YouthReferral Apply(YouthReferral youth, YouthRequest body) => youth with
    {
        DisplayName = body.DisplayName!.Trim(),
        Age = body.Age!.Value,
        // Left out, the sign-in stays linked: a client that does not send it must not quietly stop the youth's chats. An
        // empty one takes it off.
        PersonId = body.PersonId is null ? youth.PersonId : ValidationErrors.Optional(body.PersonId),
        Languages = ValidationErrors.Clean(body.Languages),
        Gender = body.Gender?.Trim(),
        Region = body.Region?.Trim(),
        Location = body.Location,
        Interests = ValidationErrors.Clean(body.Interests),
        Needs = ValidationErrors.Clean(body.Needs),
        // Left out, the youth's preferences and do-not-match list stay as they are: a client that does not send them
        // must not quietly clear who the youth must never be matched with. An empty list clears it.
        Preferences = body.Preferences ?? youth.Preferences,
        DoNotMatch = body.DoNotMatch is null ? youth.DoNotMatch : [.. body.DoNotMatch.Select(id => id.Trim()).Distinct(StringComparer.Ordinal)],
    };

    /// <summary>
    /// Writes a referral with the claim on its youth's sign-in in one batch. A sign-in already claimed by
    /// another referral is a conflict that says nothing of that referral, not even that it exists.
    /// </summary>
    private async Task<YouthReferral> SaveAsync(YouthReferral youth, string? previousPersonId, string? ifMatch, CancellationToken ct)
    {
        if (previousPersonId is not null && youth.PersonId != previousPersonId && !youth.FormerPersonIds.Contains(previousPersonId))
        {
            youth = youth with { FormerPersonIds = [.. youth.FormerPersonIds, previousPersonId] };
        }

        var operations = new List<BatchOperation> { ifMatch is null ? new BatchOperation.Create(youth) : new BatchOperation.Replace(youth, ifMatch) };
        if (youth.PersonId != previousPersonId && previousPersonId is not null)
        {
            operations.Add(new BatchOperation.Delete(YouthPersonLink.IdFor(previousPersonId)));
        }

        if (youth.PersonId != previousPersonId && youth.PersonId is not null)
        {
            operations.Add(new BatchOperation.Create(new YouthPersonLink
            {
                Id = YouthPersonLink.IdFor(youth.PersonId),
                YouthId = youth.Id,
            }));
        }

        try
        {
            var written = await data.Store.ExecuteBatchAsync(YouthReferral.Container, data.AgencyId, operations, ct);
            return youth with { ETag = written.ETags[0] };
        }
        catch (StoreException ex) when (ex is { Kind: StoreErrorKind.BatchFailed, FailedOperationIndex: 0 })
        {
            throw new StoreException(ex.FailedOperationKind ?? StoreErrorKind.Conflict, ex.Message, ex);
        }
        catch (StoreException ex) when (ex is { Kind: StoreErrorKind.BatchFailed, FailedOperationKind: StoreErrorKind.Conflict })
        {
            throw new ConflictException("This sign-in can't be linked to this referral. If you think it should be, ask your agency admin.");
        }
    }

    /// <summary>Each entry is a mentor of the agency: an unknown id is refused, not kept as a list that blocks nobody.</summary>
    private async Task CheckDoNotMatchAsync(string[]? mentorIds, CancellationToken ct)
    {
        foreach (var id in (mentorIds ?? []).Select(id => id.Trim()).Distinct(StringComparer.Ordinal))
        {
            var isMentor = await data.FindMentorAsync(id, ct) is not null
                || await people.FindAsync(data.AgencyId, id, ct) is { } person && person.Roles.Contains(Roles.Mentor);
            if (!isMentor)
            {
                throw new RequestValidationException("doNotMatch", $"No mentor here has the id '{id}'.");
            }
        }
    }

    /// <summary>
    /// A youth served as an adult may have taken on work here since (their Youth role taken away); recorded now as a child,
    /// the other roles go first, as a child takes none (<see cref="IServedYouthSignIns"/>).
    /// </summary>
    private async Task CheckChildHoldsNoOtherRoleAsync(YouthReferral before, YouthReferral after, CancellationToken ct)
    {
        if (after.Age == before.Age || after.PersonId is not { } personId || after.Age >= (await data.PolicyAsync(ct)).AdultAge)
        {
            return;
        }

        if (await people.FindAsync(data.AgencyId, personId, ct) is { } person && person.Roles.Any(r => r != Roles.Youth))
        {
            throw new ConflictException("Their sign-in holds another role here, and a child the agency serves takes none. Ask your agency admin to take it away, then save the age.");
        }
    }

    /// <summary>A youth's sign-in must be a person of this agency with the Youth role.</summary>
    private async Task CheckPersonAsync(string? personId, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(personId))
        {
            return;
        }

        var person = PeopleRules.IsValidId(personId.Trim()) ? await people.FindAsync(data.AgencyId, personId.Trim(), ct) : null;
        // A deactivated sign-in is no one's to link: it would open the youth's record the day it is reactivated.
        if (person is not { Active: true } || !person.Roles.Contains(Roles.Youth))
        {
            throw new RequestValidationException("personId", "Not a youth of your agency.");
        }
    }
}

public static class YouthEndpoints
{
    public static IEndpointRouteBuilder MapYouth(this IEndpointRouteBuilder app)
    {
        var youth = app.MapGroup("/api/youth").WithTags("Youth").ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        youth.MapPost("/", ReferYouth).WithName(nameof(ReferYouth))
            .RequireAuthorization(Policies.CaseManager).WithSummary("Refer a youth; you become their case manager.");
        youth.MapGet("/", ListYouth).WithName(nameof(ListYouth))
            .RequireAuthorization(Policies.CaseManagerOrAdmin).WithSummary("Your caseload (an admin sees every youth). Audited.");
        youth.MapGet("/{id}", GetYouth).WithName(nameof(GetYouth))
            .RequireAuthorization(Policies.CaseManagerOrAdmin).WithSummary("A youth's record, for their case managers. Audited.");
        youth.MapPut("/{id}", UpdateYouth).WithName(nameof(UpdateYouth))
            .RequireAuthorization(Policies.CaseManager).WithSummary("Update a youth's profile, preferences and do-not-match list; send If-Match.");
        youth.MapPut("/{id}/case-managers", SetCaseManagers).WithName(nameof(SetCaseManagers))
            .RequireAuthorization(Policies.CaseManagerOrAdmin)
            .WithSummary("Hand a youth over: the case managers named here (a current one or the admin decides) replace the others, who lose access at once.");
        youth.MapPost("/{id}/stage", RecordStage).WithName(nameof(RecordStage))
            .RequireAuthorization(Policies.CaseManager).WithSummary("Record a move to another stage of change; send If-Match.");
        youth.MapPost("/{id}/relapse", RecordRelapse).WithName(nameof(RecordRelapse))
            .RequireAuthorization(Policies.CaseManager).WithSummary("Record a relapse as an event; it never closes a match. Send If-Match.");
        youth.MapGet("/{id}/stages", GetStageHistory).WithName(nameof(GetStageHistory))
            .RequireAuthorization(Policies.CaseManagerOrAdmin).WithSummary("Stage-of-change history. Audited.");
        youth.MapGet("/{id}/recommendations", GetRecommendations).WithName(nameof(GetRecommendations))
            .RequireAuthorization(Policies.CaseManager).WithSummary("The best eligible mentors with reasons, and counts of why others were excluded.");
        youth.MapGet("/{id}/do-not-match", GetDoNotMatch).WithName(nameof(GetDoNotMatch))
            .RequireAuthorization(Policies.CaseManager)
            .WithSummary("Who the youth must never be matched with, by name, and mentors found by name (find) to add with PUT /api/youth/{id}. Audited.");
        return app;
    }

    private static async Task<Created<YouthView>> ReferYouth(IMediator mediator, YouthRequest body, HttpResponse response, CancellationToken ct)
    {
        var referral = await mediator.Send(new ReferYouth(AgencyStore.NewId(), body), ct);
        response.Headers.ETag = referral.ETag;
        return TypedResults.Created($"/api/youth/{referral.Id}", YouthView.From(referral));
    }

    private static async Task<Ok<Page<YouthSummary>>> ListYouth(IMediator mediator, int? pageSize, string? continuationToken, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListYouth(pageSize ?? Paging.DefaultPageSize, continuationToken), ct));

    private static async Task<Ok<YouthView>> GetYouth(IMediator mediator, string id, HttpResponse response, CancellationToken ct) =>
        WithETag(response, await mediator.Send(new GetYouth(id), ct));

    private static async Task<Ok<YouthView>> UpdateYouth(
        IMediator mediator, string id, YouthRequest body, [FromHeader(Name = "If-Match")] string? ifMatch, HttpResponse response, CancellationToken ct) =>
        WithETag(response, await mediator.Send(new UpdateYouth(id, body, ifMatch), ct));

    private static async Task<Ok<YouthView>> SetCaseManagers(
        IMediator mediator, string id, CaseManagersRequest body, [FromHeader(Name = "If-Match")] string? ifMatch, HttpResponse response, CancellationToken ct) =>
        WithETag(response, await mediator.Send(new SetCaseManagers(id, body, ifMatch), ct));

    private static async Task<Ok<StageHistoryView>> RecordStage(
        IMediator mediator, string id, StageRequest body, [FromHeader(Name = "If-Match")] string? ifMatch, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new RecordStage(id, body, IsRelapse: false, ifMatch), ct));

    private static async Task<Ok<StageHistoryView>> RecordRelapse(
        IMediator mediator, string id, StageRequest body, [FromHeader(Name = "If-Match")] string? ifMatch, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new RecordStage(id, body, IsRelapse: true, ifMatch), ct));

    private static async Task<Ok<StageHistoryView>> GetStageHistory(IMediator mediator, string id, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetStageHistory(id), ct));

    private static async Task<Ok<RecommendationsView>> GetRecommendations(IMediator mediator, string id, int? top, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetRecommendations(id, top ?? 5), ct));

    private static async Task<Ok<DoNotMatchView>> GetDoNotMatch(IMediator mediator, string id, string? find, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetDoNotMatch(id, find), ct));

    private static Ok<YouthView> WithETag(HttpResponse response, YouthReferral youth)
    {
        response.Headers.ETag = youth.ETag;
        return TypedResults.Ok(YouthView.From(youth));
    }
}
