using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using SurvivorConnect.Api.Features.Consent;
using SurvivorConnect.Api.Features.Mentoring.Rules;
using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Api.Infrastructure.Tenancy;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Mentoring;

public sealed record ProposeMatchRequest(string? YouthId, string? MentorId);

public sealed record RematchRequest(string? MentorId);

/// <param name="FromState">The state the match was in when the closing page was made (optional): a match that has moved since is not closed unseen.</param>
public sealed record CloseMatchRequest(string? Reason, bool? Planned, string? Notes, string? FromState = null);

/// <summary>One side of a match as the caller may see it: a mentor sees the youth's display name and shared interests only.</summary>
public sealed record MatchPartyView(string? Id, string DisplayName, IReadOnlyList<string> Interests, IReadOnlyList<string>? Languages, IReadOnlyList<string>? LivedExperienceTags, StageOfChange? Stage);

/// <param name="ViewerRole">Which side of the match the reader is on, so a screen need not work it out from what is hidden.</param>
/// <param name="YouthSaidNo">
/// For staff, of an open match: the youth's last answer about this mentor is no, so only the youth can agree to it.
/// </param>
/// <param name="NoLongerFits">
/// For staff, of a match waiting for the case manager: why the pair does not fit what the youth asked for now (none
/// once it fits again, when it can be put to the youth).
/// </param>
public sealed record MatchView(
    string Id, MatchState State, DateTimeOffset ProposedAt, string OversightNotice, MatchPartyView? Youth, MatchPartyView? Mentor,
    string? CaseManagerId, IReadOnlyList<MatchTransition>? History, MatchClosure? Closure, IReadOnlyList<string>? MissingConsents, string? PreviousMatchId,
    MatchRole ViewerRole, bool? YouthSaidNo = null, IReadOnlyList<string>? NoLongerFits = null)
{
    /// <summary>How a mentor reads the youth of a match that is over, or of a youth who wants no more of them.</summary>
    public const string YouthNoLongerShown = "a youth";

    /// <summary>How a mentor reads the youth of a match not started yet, whose youth has not agreed to meet them.</summary>
    public const string YouthNotYetNamed = "a youth";

    /// <summary>How a youth reads the mentor of a match that is over, accepted before the name they were shown was kept.</summary>
    public const string MentorNoLongerShown = "your former mentor";

    /// <summary>The match as read: a case manager's start, pause, resume or close from an older page is refused.</summary>
    public string? Version { get; init; }
}

public sealed record ProposeMatch(string MatchId, string? YouthId, string? MentorId, string? PreviousMatchId = null)
    : ICommand<MatchView>, IValidate, IAudited
{
    public AuditTarget Audit => new("match.propose", "match", MatchId);

    public void Validate(ValidationErrors errors) => errors.Text("youthId", YouthId, 128).Text("mentorId", MentorId, 128);
}

/// <summary>
/// The caller's matches, newest first, a page at a time; only one youth's, only open ones, or only closed ones whose chat
/// ran (the chats that have ended), when asked. A page may hold fewer than asked; its continuation goes on.
/// </summary>
/// <param name="OwnOnly">
/// Only matches the caller is in (mentoring, or their own) or oversees (their caseload), also for an agency admin, whose
/// list is otherwise the whole agency's: the Chat page lists the chats they may open, and reads no one else's youth.
/// </param>
public sealed record ListMatches(
    int PageSize = Paging.DefaultPageSize, string? ContinuationToken = null, string? YouthId = null, bool OpenOnly = false, bool EndedChatsOnly = false,
    bool OwnOnly = false)
    : IQuery<Page<MatchView>>, IValidate, IAudited
{
    /// <summary>One youth's matches are a read of that youth's record, audited under their id.</summary>
    public AuditTarget Audit => YouthId is { } youthId ? new("match.list", "youth", youthId) : new("match.list", "match");

    public void Validate(ValidationErrors errors)
    {
        Paging.Validate(errors, PageSize);
        errors.Text("youthId", YouthId, 128, required: false);
        if (OpenOnly && EndedChatsOnly)
        {
            errors.Add("ended", "Open and ended matches are asked for apart.");
        }

        // Audited under this id: it is an id, never the caller's own words.
        if (YouthId is not null && !PeopleRules.IsValidId(YouthId))
        {
            errors.Add("youthId", "Not a youth id.");
        }
    }
}

public sealed record GetMatch(string MatchId) : IQuery<MatchView>, IAudited
{
    public AuditTarget Audit => new("match.read", "match", MatchId);
}

public sealed record AcceptMatch(string MatchId) : ICommand<MatchView>, IAudited
{
    public AuditTarget Audit => new("match.accept", "match", MatchId);
}

public sealed record DeclineMatch(string MatchId, string? IfMatch = null) : ICommand<MatchView>, IAudited
{
    public AuditTarget Audit => new("match.decline", "match", MatchId);
}

public sealed record AgreeToMatch(string MatchId) : ICommand<MatchView>, IAudited
{
    public AuditTarget Audit => new("match.youth-agree", "match", MatchId);
}

public sealed record ActivateMatch(string MatchId, string? IfMatch = null) : ICommand<MatchView>, IAudited
{
    public AuditTarget Audit => new("match.activate", "match", MatchId);
}

/// <summary>The case manager puts to the youth a match the mentor said yes to when it no longer fitted, once it fits.</summary>
public sealed record PutMatchToYouth(string MatchId, string? IfMatch = null) : ICommand<MatchView>, IAudited
{
    public AuditTarget Audit => new("match.put-to-youth", "match", MatchId);
}

public sealed record PauseMatch(string MatchId, string? IfMatch = null) : ICommand<MatchView>, IAudited
{
    public AuditTarget Audit => new("match.pause", "match", MatchId);
}

public sealed record ResumeMatch(string MatchId, string? IfMatch = null) : ICommand<MatchView>, IAudited
{
    public AuditTarget Audit => new("match.resume", "match", MatchId);
}

public sealed record CloseMatch(string MatchId, CloseMatchRequest Body, string? IfMatch = null) : ICommand<MatchView>, IValidate, IAudited
{
    public AuditTarget Audit => new("match.close", "match", MatchId);

    public void Validate(ValidationErrors errors)
    {
        errors.OneOf<ClosureReason>("reason", Body.Reason);
        errors.OneOf<MatchState>("fromState", Body.FromState, required: false);

        if (Body.Planned is null)
        {
            errors.Add("planned", "Say whether the closure was planned.");
        }

        errors.Prose("notes", Body.Notes, 2000, required: false);
    }
}

public sealed record EndMatch(string MatchId) : ICommand<MatchView>, IAudited
{
    public AuditTarget Audit => new("match.youth-end", "match", MatchId);
}

public sealed record StepBackFromMatch(string MatchId) : ICommand<MatchView>, IAudited
{
    public AuditTarget Audit => new("match.mentor-end", "match", MatchId);
}

internal sealed class MatchHandlers(MentoringData data, MatchConsentGuard consent, MentorEligibilityGuard eligibility, Notifier notifier, IPublisher publisher, OpenPages pages)
    : ICommandHandler<ProposeMatch, MatchView>,
      IQueryHandler<ListMatches, Page<MatchView>>,
      IQueryHandler<GetMatch, MatchView>,
      ICommandHandler<AcceptMatch, MatchView>,
      ICommandHandler<DeclineMatch, MatchView>,
      ICommandHandler<AgreeToMatch, MatchView>,
      ICommandHandler<ActivateMatch, MatchView>,
      ICommandHandler<PutMatchToYouth, MatchView>,
      ICommandHandler<PauseMatch, MatchView>,
      ICommandHandler<ResumeMatch, MatchView>,
      ICommandHandler<CloseMatch, MatchView>,
      ICommandHandler<EndMatch, MatchView>,
      ICommandHandler<StepBackFromMatch, MatchView>
{
    public const string OversightNotice = Notices.MatchOversight;

    private const string OpenPairConflict = "This youth and mentor already have an open match.";

    public async ValueTask<MatchView> Handle(ProposeMatch command, CancellationToken ct)
    {
        var youth = await data.YouthForStaffAsync(command.YouthId!, adminMayRead: false, ct);
        // The proposal shows staff the youth's record: asking who read the youth finds it, as it finds a read of the match.
        data.Listed.AddYouth([youth.Id]);
        var mentor = await data.MentorAsync(command.MentorId!, ct);
        if (command.PreviousMatchId is { } previousId)
        {
            var previous = await data.MatchAsync(previousId, ct);
            if (previous.YouthId != youth.Id || MatchLifecycle.IsOpen(previous.State))
            {
                throw new ConflictException("A rematch follows a closed or declined match of the same youth.");
            }
        }

        // One open match per youth and mentor: a second would be a second question about the same mentor, asked while
        // the youth may be answering the first. The pair is written with each match, against the version read here, so
        // a proposal written after this read fails this one's batch. The pair's latest match is also read by id: a
        // query on a replica behind the pair's read could miss it (not found, it counts as open). The query finds an
        // open match written without the pair, before pairs were kept.
        var pair = await data.Store.ReadAsync<MatchPair>(Match.Container, MatchPair.IdFor(youth.Id, mentor.Id), data.AgencyId, ct);
        var latestOpen = pair is not null
            && (await data.FindAsync<Match>(Match.Container, pair.LatestMatchId, ct) is not { } latest || MatchLifecycle.IsOpen(latest.State));
        if (latestOpen || (await data.MatchesAsync(Filter.Eq("youthId", youth.Id), openOnly: true, ct)).Any(m => m.MentorId == mentor.Id))
        {
            throw new ConflictException(OpenPairConflict);
        }

        // A mentor who stepped back from, or declined, their last match with this youth is not asked about them again:
        // the recommendations leave them out, and a proposal made by id does too (a pair from before pairs were kept too).
        if (PairConstraints.FromHistory((await data.MatchesAsync(Filter.Eq("youthId", youth.Id), openOnly: false, ct)).Where(m => m.MentorId == mentor.Id))
                .GetValueOrDefault(mentor.Id) == PairConstraints.MentorSaidNo)
        {
            throw new ConflictException("This mentor stepped back from, or declined, their last match with this youth, so they are not asked again. Choose another mentor.");
        }

        var eligible = await eligibility.EnsureAsync(mentor.Id, youth.Id, null, MatchRole.CaseManager, ct);
        youth = eligible.Youth;
        // Still theirs as read after the fences: a youth handed on meanwhile is not proposed for by who had them.
        if (!data.IsCaseManagerOf(youth))
        {
            throw new NotFoundException("youth");
        }

        var match = await CreateWithPairAsync(pair, eligible.Fences, new Match
        {
            Id = command.MatchId,
            YouthId = youth.Id,
            MentorId = mentor.Id,
            CaseManagerId = data.User.UserId,
            State = MatchState.Proposed,
            ProposedAt = data.Now,
            PreviousMatchId = command.PreviousMatchId,
            SharedInterests = [.. youth.Interests.Where(i => mentor.Interests.Contains(i, StringComparer.OrdinalIgnoreCase))],
            History = [new MatchTransition(MatchState.Proposed, MatchState.Proposed, "propose", data.Now, data.User.UserId)],
        }, ct);
        await notifier.SendAsync([mentor.Id], Notices.MatchProposedToMentor, match.Id, ct);

        // A mentor who is also staff may sit on this youth's team: from now on they read its plans no more (their mentee's
        // safety plan is not theirs to read), and a plans page they have open is drawn again without them.
        if (await data.FindAsync<Person>(Person.Container, mentor.Id, ct) is { } person && person.Roles.Any(Roles.StaffsTeams))
        {
            await pages.RedrawAsync(data.AgencyId, [mentor.Id]);
        }

        return await ViewAsync(match, youth, MatchRole.CaseManager, ct);
    }

    private async Task<Match> CreateWithPairAsync(MatchPair? pair, IReadOnlyList<BatchOperation> fences, Match match, CancellationToken ct)
    {
        var latest = new MatchPair { Id = MatchPair.IdFor(match.YouthId, match.MentorId), YouthId = match.YouthId, MentorId = match.MentorId, LatestMatchId = match.Id };
        try
        {
            var written = await data.Store.ExecuteBatchAsync(Match.Container, data.AgencyId,
                [new BatchOperation.Create(match), pair is null ? new BatchOperation.Create(latest) : new BatchOperation.Replace(latest, pair.ETag!), .. fences], ct);
            return match with { ETag = written.ETags[0], AgencyId = data.AgencyId, PartitionKey = data.AgencyId };
        }
        catch (StoreException ex) when (ex is { Kind: StoreErrorKind.BatchFailed, FailedOperationIndex: 1 })
        {
            throw new ConflictException(OpenPairConflict);
        }
        catch (StoreException ex) when (ex is { Kind: StoreErrorKind.BatchFailed, FailedOperationIndex: >= 2 })
        {
            throw new ConflictException(MentorEligibilityGuard.ChangedMeanwhile);
        }
    }

    /// <summary>
    /// A fixed number of queries per page, whatever the number of matches, and none that reads the whole agency
    /// unless the caller is its admin: the store is asked only for matches of the caller's caseload, own record or
    /// mentoring, and the youth and mentors of the page.
    /// </summary>
    public async ValueTask<Page<MatchView>> Handle(ListMatches query, CancellationToken ct)
    {
        var filters = new List<Filter>();
        var asAdmin = data.User.IsInRole(Roles.AgencyAdmin) && !query.OwnOnly;
        if (asAdmin && query.YouthId is { } asked)
        {
            // One that is not the agency's is not found; one kept from the admin is read only as anyone else would read
            // it (their own mentoring of the youth, say), and is not found otherwise.
            var named = await data.FindAsync<YouthReferral>(YouthReferral.Container, asked, ct) ?? throw new NotFoundException("youth");
            asAdmin = !await data.KeptFromAdminAsync(named, ct);
        }

        if (asAdmin)
        {
            data.Basis.Record(AccessBasis.AgencyAdministration);
        }
        else
        {
            var (youthIds, mentorOnly) = await data.YouthOfCallersMatchesAsync(ct);
            // A youth not theirs is not found, and audited so: not a read of that youth's record that found nothing.
            if (query.YouthId is { } only && !youthIds.Contains(only))
            {
                throw new NotFoundException("youth");
            }

            if (youthIds.Count == 0)
            {
                return new Page<MatchView>([], null);
            }

            // A mentor and nothing else is found by their own id; anyone with a caseload or a record by the youth.
            filters.Add(mentorOnly ? Filter.Eq("mentorId", data.User.UserId) : Filter.In("youthId", [.. youthIds]));
        }

        if (query.YouthId is { } youthId)
        {
            filters.Add(Filter.Eq("youthId", youthId));
        }

        if (query.OpenOnly)
        {
            filters.Add(Filter.In("state", MentoringData.OpenStates));
        }

        if (query.EndedChatsOnly)
        {
            filters.Add(Filter.Eq("state", MatchState.Closed));
        }

        // Matches the caller may not see (a kept youth's, for an admin) are read past, not left as a gap that would date them.
        var page = await Paging.ReadPastAsync(query.PageSize, query.ContinuationToken,
            async (size, token) => await data.Store.PageAsync<Match>(Match.Container, filters, orderBy: "proposedAt", descending: true, size, token, ct),
            async matches => await TheirsAsync(matches, query, ct));
        var mine = page.Items;

        var mentors = (await data.ManyAsync<MentorProfile>(MentorProfile.Container, mine.Select(m => m.Match.MentorId), ct)).ToDictionary(m => m.Id, StringComparer.Ordinal);
        var staffOpen = mine.Where(m => ForStaffOpen(m.Match, m.Role)).ToList();
        var needConsents = mine.Where(m => ForStaffOpen(m.Match, m.Role) || ForPartyLive(m.Match, m.Role)).Select(m => m.Match.Id).ToList();
        var policy = needConsents.Count > 0 ? await data.PolicyAsync(ct) : null;
        var consents = needConsents.Count > 0 ? await data.ConsentsAsync(Filter.In("matchId", [.. needConsents]), ct) : [];
        var saidNo = await consent.SaidNoAsync([.. staffOpen.Select(m => (m.Youth, m.Match.MentorId))], ct);
        var sharing = await data.MentorsSharingAsync([.. mine.Where(m => m.Role == MatchRole.CaseManager).Select(m => m.Match.MentorId).Distinct(StringComparer.Ordinal)], ct);
        data.Listed.AddYouth(mine.Where(m => m.Role != MatchRole.Youth).Select(m => m.Youth.Id));
        return new Page<MatchView>(mine
            .Select(m => View(m.Match, m.Youth, m.Role, mentors.GetValueOrDefault(m.Match.MentorId) ?? throw new NotFoundException("mentor"),
                policy is null || !needConsents.Contains(m.Match.Id) ? null : MatchConsentGuard.Missing(m.Match, m.Youth, policy, consents, data.Now),
                ForStaffOpen(m.Match, m.Role) ? saidNo.Contains((m.Youth.Id, m.Match.MentorId)) : null,
                m.Role != MatchRole.CaseManager || sharing.Contains(m.Match.MentorId)))
            .ToList(), page.ContinuationToken);
    }

    /// <summary>Of a page of the store's matches, those the caller is listed, each with its youth and the caller's role in it.</summary>
    private async Task<IEnumerable<(Match Match, YouthReferral Youth, MatchRole Role)>> TheirsAsync(IReadOnlyList<Match> matches, ListMatches query, CancellationToken ct)
    {
        var youth = (await data.ManyAsync<YouthReferral>(YouthReferral.Container, matches.Select(m => m.YouthId), ct)).ToDictionary(y => y.Id, StringComparer.Ordinal);
        var mine = new List<(Match Match, YouthReferral Youth, MatchRole Role)>();
        var keptFromAdmin = await data.YouthKeptFromAdminAsync(youth.Values, ct);
        // A match closed before it started had no chat.
        foreach (var match in matches.Where(m => !query.EndedChatsOnly || m.Started()))
        {
            if (youth.TryGetValue(match.YouthId, out var young) && data.RoleIn(match, young) is { } role
                && !(role == MatchRole.Admin && (query.OwnOnly || keptFromAdmin.Contains(young.Id))))
            {
                mine.Add((match, young, role));
            }
        }

        return mine;
    }

    public async ValueTask<MatchView> Handle(GetMatch query, CancellationToken ct)
    {
        var (match, youth, role) = await data.MatchForCallerAsync(query.MatchId, ct);
        return await ViewAsync(match, youth, role, ct);
    }

    public async ValueTask<MatchView> Handle(AcceptMatch command, CancellationToken ct) =>
        await MoveAsync(command.MatchId, MatchAction.MentorAccept, [MatchRole.Mentor], ct, recordConsentAs: ConsentGrantor.Mentor);

    public async ValueTask<MatchView> Handle(DeclineMatch command, CancellationToken ct)
    {
        var (match, _, role) = await data.MatchForCallerAsync(command.MatchId, ct);
        if (role == MatchRole.CaseManager && !match.PutToYouth())
        {
            // A no the youth never said would hold against this mentor for good: a proposal the agency withdraws is closed.
            throw new ConflictException("The youth has not been asked yet. To withdraw the proposal, close it as the agency's decision.");
        }

        // Staff recording the youth's no do so from the match as their page showed it: a youth who said yes themselves
        // meanwhile must not have their own yes overturned by a no they did not say now, which would also hold against
        // this mentor until they said yes again. One's own no stands however the match changed since.
        var ifMatch = role == MatchRole.CaseManager ? command.IfMatch ?? throw new PreconditionRequiredException() : null;
        return role == MatchRole.Mentor
            ? await MoveAsync(command.MatchId, MatchAction.MentorDecline, [MatchRole.Mentor], ct, ifMatch: ifMatch)
            : await MoveAsync(command.MatchId, MatchAction.YouthDecline, [MatchRole.Youth, MatchRole.CaseManager], ct, ifMatch: ifMatch);
    }

    public async ValueTask<MatchView> Handle(AgreeToMatch command, CancellationToken ct) =>
        await MoveAsync(command.MatchId, MatchAction.YouthAgree, [MatchRole.Youth, MatchRole.CaseManager], ct, recordConsentAs: ConsentGrantor.Youth);

    public async ValueTask<MatchView> Handle(ActivateMatch command, CancellationToken ct) =>
        await MoveAsync(command.MatchId, MatchAction.Activate, [MatchRole.CaseManager], ct, ifMatch: command.IfMatch, versionRequired: true);

    public async ValueTask<MatchView> Handle(PutMatchToYouth command, CancellationToken ct) =>
        await MoveAsync(command.MatchId, MatchAction.PutToYouth, [MatchRole.CaseManager], ct, ifMatch: command.IfMatch, versionRequired: true);

    public async ValueTask<MatchView> Handle(PauseMatch command, CancellationToken ct) =>
        await MoveAsync(command.MatchId, MatchAction.Pause, [MatchRole.CaseManager], ct, ifMatch: command.IfMatch, versionRequired: true);

    public async ValueTask<MatchView> Handle(ResumeMatch command, CancellationToken ct) =>
        await MoveAsync(command.MatchId, MatchAction.Resume, [MatchRole.CaseManager], ct, ifMatch: command.IfMatch, versionRequired: true);

    public async ValueTask<MatchView> Handle(CloseMatch command, CancellationToken ct)
    {
        var closure = new MatchClosure(EnumNames.Parse<ClosureReason>(command.Body.Reason), command.Body.Planned!.Value, command.Body.Notes?.Trim(), data.Now, data.User.UserId);
        // As with a decline: a closure as the youth's choice is a no from the youth, which holds against this mentor for
        // good, so it needs the youth to have been asked. (Being put to the youth is never undone, so no race.)
        if (closure.Reason == ClosureReason.YouthChoice && !(await data.MatchForCallerAsync(command.MatchId, ct)).Match.PutToYouth())
        {
            throw new ConflictException("The youth has not been asked yet. To withdraw the proposal, close it as the agency's decision.");
        }

        // So is the mentor's choice a no from the mentor, holding against this youth for good: until they have answered,
        // a no is theirs to give (they can decline it), and the case manager withdraws the proposal as the agency's.
        if (closure.Reason == ClosureReason.MentorChoice && !(await data.MatchForCallerAsync(command.MatchId, ct)).Match.MentorSaidYes())
        {
            throw new ConflictException("The mentor has not answered yet: they can decline it themselves. To withdraw the proposal, close it as the agency's decision.");
        }

        // And, as a no recorded for the youth or the mentor, from the match as the page showed it: a yes the youth gave
        // themselves since must not be overturned by it, nor a match begun since barred to this pair for good. Any other
        // closure (a safety concern) needs no version: it stops the match at once, whatever changed.
        if (closure.Reason is ClosureReason.YouthChoice or ClosureReason.MentorChoice && command.IfMatch is null)
        {
            throw new PreconditionRequiredException();
        }

        return await MoveAsync(command.MatchId, MatchAction.Close, [MatchRole.CaseManager], ct, closure,
            seen: command.Body.FromState is { } from ? EnumNames.Parse<MatchState>(from) : null, ifMatch: command.IfMatch);
    }

    public async ValueTask<MatchView> Handle(EndMatch command, CancellationToken ct) =>
        await MoveAsync(command.MatchId, MatchAction.YouthEnd, [MatchRole.Youth], ct,
            new MatchClosure(ClosureReason.YouthChoice, false, null, data.Now, data.User.UserId));

    public async ValueTask<MatchView> Handle(StepBackFromMatch command, CancellationToken ct) =>
        await MoveAsync(command.MatchId, MatchAction.MentorEnd, [MatchRole.Mentor], ct,
            new MatchClosure(ClosureReason.MentorChoice, false, null, data.Now, data.User.UserId));

    /// <summary>How long after a move sending it again finishes what follows it: a retry comes in moments, a stale page later.</summary>
    private static readonly TimeSpan FinishedWithin = TimeSpan.FromMinutes(10);

    /// <summary>
    /// One legal move of a match by one of the roles allowed to make it: a replace with the ETag read, so of two
    /// concurrent moves one wins and the other is 412 with nothing changed. A move from a named version
    /// (<paramref name="ifMatch"/>) is 412 once the match moved since, though it could make the move now: a pause for a
    /// new reason must not be undone by a resume pressed on a page from before it. Consent the move gives is recorded by
    /// the handler of the event it raises, so a move that loses a race records nothing.
    /// </summary>
    private async Task<MatchView> MoveAsync(
        string matchId, MatchAction action, MatchRole[] allowed, CancellationToken ct, MatchClosure? closure = null,
        ConsentGrantor? recordConsentAs = null, MatchState? seen = null, string? ifMatch = null, bool versionRequired = false)
    {
        var (match, youth, role) = await data.MatchForCallerAsync(matchId, ct);
        if (!allowed.Contains(role))
        {
            throw new ForbiddenException("You cannot make this change to the match.");
        }

        // The caller's own last move sent again soon after is refused as ever (whatever version or state the page knew),
        // once what follows it (the consent it gives, the chat, the notices) is done again, each part once: a first try
        // the store failed after the move was saved ("saved, not yet finished") would otherwise leave it undone for good.
        if (match.History is [.., var last] && last.Action == action.ToString() && last.By == data.User.UserId && data.Now - last.At < FinishedWithin)
        {
            try
            {
                MatchLifecycle.Next(AsShownTo(role, match.State), action);
            }
            catch (ConflictException)
            {
                await publisher.FinishAsync(new MatchMoved(match, youth, action, recordConsentAs));
                throw;
            }
        }

        // A staff step made from a page (start, pause, resume, put to the youth) names the version it showed: sent without
        // one, a resume from a page read before a colleague's pause would undo that pause unseen.
        if (versionRequired && ifMatch is null)
        {
            throw new PreconditionRequiredException();
        }

        StoreException.ThrowIfChangedSince(ifMatch, match.ETag);

        if (seen is { } state && state != match.State)
        {
            throw new ConflictException("This match has changed since you opened the page (it may have been answered or started). Look at it again, then close it if you still mean to.");
        }

        // A move the match's state does not allow is refused before anything about the mentor is checked, so the
        // refusal says nothing of them; and said of the state as the caller is shown it, so a mentor's second yes is
        // refused alike whether their first went to the youth or waits for the case manager (the same moves are
        // open to a mentor in either).
        MatchLifecycle.Next(AsShownTo(role, match.State), action);

        // Checked on this very read, which the write below is made against: a move made in between fails it (412), and
        // a change to the mentor or the youth made in between fails their fences, written with it (409).
        // Before the consents are read, so that a consent changed after they are read has failed the fences too.
        var eligible = action is MatchAction.MentorAccept or MatchAction.PutToYouth or MatchAction.YouthAgree or MatchAction.Activate or MatchAction.Resume
            ? await eligibility.EnsureAsync(match.MentorId, match.YouthId, match.Id, role, ct, resuming: action == MatchAction.Resume)
            : null;
        youth = eligible?.Youth ?? youth;
        // The caller's part too, as the youth is now: one handed on meanwhile (or their sign-in taken off) leaves nothing
        // here for who had a part before.
        if (eligible is not null && (data.RoleIn(match, youth) != role || role == MatchRole.Admin && await data.KeptFromAdminAsync(youth, ct)))
        {
            throw new NotFoundException("match");
        }

        // The youth's agreement is itself the consent it records (the event's handler writes it), so it counts here. A
        // chat starts only with a case manager to oversee it: with none of the youth's able to act (deactivated, or the
        // role taken away), the yes waits for one, who starts the match (the admins see the youth as needing one).
        var complete = action != MatchAction.YouthAgree
            || ((await consent.MissingAsync(match, youth, ct, givenNow: recordConsentAs)).Count == 0 && (await data.ActiveCaseManagersAsync(youth, ct)).Count > 0);
        var next = MatchLifecycle.Next(match.State, action, complete, pairFits: eligible?.PairFits ?? true);

        if (action is MatchAction.Activate or MatchAction.Resume)
        {
            await consent.EnsureAsync(match, youth, ct);
        }

        // Staff taking the match on for the youth: not past a no of the youth's about this mentor.
        if ((action == MatchAction.YouthAgree && role == MatchRole.CaseManager) || action is MatchAction.Activate or MatchAction.Resume)
        {
            await consent.EnsureStaffMaySayYesForYouthAsync(match, youth, ct);
        }
        var moved = await WriteMoveAsync(match, match with
        {
            State = next,
            Closure = closure ?? match.Closure,
            MentorNameShown = action == MatchAction.MentorAccept ? (await data.MentorAsync(match.MentorId, ct)).DisplayName : match.MentorNameShown,
            History = MatchLifecycle.Add(match.History, new MatchTransition(match.State, next, action.ToString(), data.Now, data.User.UserId, ByYouth: role == MatchRole.Youth)),
        }, eligible?.Fences, ct);

        // What follows a move (the chat, the notices) is for the handlers of the event it raises.
        await publisher.FinishAsync(new MatchMoved(moved, youth, action, recordConsentAs));
        return await ViewAsync(moved, youth, role, ct);
    }

    private async Task<Match> WriteMoveAsync(Match read, Match moved, IReadOnlyList<BatchOperation>? fences, CancellationToken ct)
    {
        if (fences is null)
        {
            return await data.Store.ReplaceAsync(Match.Container, moved, read.ETag!, ct);
        }

        try
        {
            var written = await data.Store.ExecuteBatchAsync(Match.Container, data.AgencyId, [new BatchOperation.Replace(moved, read.ETag!), .. fences], ct);
            return moved with { ETag = written.ETags[0], AgencyId = data.AgencyId, PartitionKey = data.AgencyId };
        }
        catch (StoreException ex) when (ex is { Kind: StoreErrorKind.BatchFailed, FailedOperationIndex: 0 })
        {
            throw new StoreException(StoreErrorKind.PreconditionFailed, "The match has changed.", ex);
        }
        catch (StoreException ex) when (ex is { Kind: StoreErrorKind.BatchFailed, FailedOperationIndex: >= 1 })
        {
            throw new ConflictException(MentorEligibilityGuard.ChangedMeanwhile);
        }
    }

    private async Task<MatchView> ViewAsync(Match match, YouthReferral youth, MatchRole role, CancellationToken ct) =>
        View(match, youth, role, await data.MentorAsync(match.MentorId, ct),
            ForStaffOpen(match, role) || ForPartyLive(match, role) ? await consent.MissingAsync(match, youth, ct) : null,
            ForStaffOpen(match, role) ? (await consent.SaidNoAsync([(youth, match.MentorId)], ct)).Count > 0 : null,
            role != MatchRole.CaseManager || (await data.MentorsSharingAsync([match.MentorId], ct)).Count > 0);

    /// <summary>
    /// The youth's name as the mentor of an open match may read it. None before the match starts: the youth has not
    /// agreed to meet them, so who they are is not the mentor's to know (one who says no stays unknown), and the same
    /// for every youth, so it says nothing of their do-not-match list either. Once it has started, the youth's name as
    /// it is now (the two talk), unless the youth wants no more of this mentor, whose chat stops too. Null: no name for
    /// this mentor.
    /// </summary>
    private static string? YouthNameForMentor(Match match, YouthReferral youth) =>
        !match.Started() ? MatchView.YouthNotYetNamed
        : youth.DoNotMatch.Contains(match.MentorId, StringComparer.Ordinal) ? null
        : youth.DisplayName;

    /// <summary>
    /// A mentor the youth wants no more of, in a started match, is shown it as one whose consent was withdrawn, not in a
    /// shape nothing else gives. (Their chat clears for them all the same, so they keep none of the youth's words.)
    /// </summary>
    private static IReadOnlyList<string>? KeptFromYouth(Match match, YouthReferral youth, MatchRole role) =>
        ForPartyLive(match, role) && youth.DoNotMatch.Contains(match.MentorId, StringComparer.Ordinal) ? [MatchConsentGuard.AConsentNeeded] : null;

    /// <summary>A yes the case manager now looks at is shown to the mentor as any yes is: waiting for the youth.</summary>
    private static MatchState AsShownTo(MatchRole role, MatchState state) =>
        role == MatchRole.Mentor && state == MatchState.AwaitingCaseManager ? MatchState.AwaitingYouth : state;

    private static bool ForStaffOpen(Match match, MatchRole role) =>
        role is not (MatchRole.Mentor or MatchRole.Youth) && MatchLifecycle.IsOpen(match.State);

    /// <summary>A started match, whose consents were all given once: one missing now was withdrawn (or ran out).</summary>
    private static bool ForPartyLive(Match match, MatchRole role) =>
        role is MatchRole.Mentor or MatchRole.Youth && match.State is MatchState.Active or MatchState.Paused;

    /// <summary>
    /// The interests the youth and mentor shared at the proposal that the youth still has: one the youth took off since
    /// (perhaps one that said too much) goes, and one the mentor claimed since never comes. A match proposed before they
    /// were kept shows what the two share now.
    /// </summary>
    private static List<string> SharedInterests(Match match, YouthReferral youth, MentorProfile mentor) =>
        [.. (match.SharedInterests ?? mentor.Interests).Where(i => youth.Interests.Contains(i, StringComparer.OrdinalIgnoreCase))];

    /// <summary>
    /// A match as the caller's part in it may see it. <paramref name="missingConsents"/> is shown to staff, of open
    /// matches; of a started match, it keeps each party from the other's details once a consent is gone.
    /// <paramref name="youthSaidNo"/> is for staff, of open matches. <paramref name="mentorShares"/>: what the mentor shares
    /// of themselves is shown (a case manager reads it only while the mentor consents to mentoring and is active).
    /// </summary>
    private static MatchView View(
        Match match, YouthReferral youth, MatchRole role, MentorProfile mentor, IReadOnlyList<string>? missingConsents, bool? youthSaidNo, bool mentorShares) =>
        (role switch
        {
            MatchRole.Mentor => new MatchView(match.Id, AsShownTo(role, match.State), match.ProposedAt, OversightNotice,
                MatchLifecycle.IsOpen(match.State) && missingConsents is not { Count: > 0 } && YouthNameForMentor(match, youth) is { } name
                    ? new MatchPartyView(null, name, SharedInterests(match, youth, mentor), null, null, null)
                    : new MatchPartyView(null, MatchView.YouthNoLongerShown, [], null, null, null),
                null, null, null, null, MatchConsentGuard.ForParty(missingConsents, youth: false) ?? KeptFromYouth(match, youth, role), null, role),
            // The youth sees a match only once the mentor said yes to it (RoleIn), and of the mentor what their page shows:
            // the name and interests. What the mentor shares for case managers finding a mentor (lived experience,
            // languages) is theirs to tell, and why a match was closed (a safety concern, say) is not for a phone someone
            // else may read. The profile is read as it is now and may say more than the mentor shared then, so once the
            // match is over (or a consent to it withdrawn) the youth keeps only the name they knew.
            // Of themselves, the youth is given their record's id only: what their own yes to the match is about.
            MatchRole.Youth => new MatchView(match.Id, match.State, match.ProposedAt, OversightNotice, new MatchPartyView(youth.Id, youth.DisplayName, [], null, null, null),
                MatchLifecycle.IsOpen(match.State) && missingConsents is not { Count: > 0 }
                    ? new MatchPartyView(null, mentor.DisplayName, mentor.Interests, null, null, null)
                    : new MatchPartyView(null, match.MentorNameShown ?? MatchView.MentorNoLongerShown, [], null, null, null),
                null, null, null, MatchConsentGuard.ForParty(missingConsents, youth: true), null, role),
            _ => new MatchView(match.Id, match.State, match.ProposedAt, OversightNotice,
                new MatchPartyView(youth.Id, youth.DisplayName, youth.Interests, youth.Languages, null, youth.Stage),
                mentorShares
                    ? new MatchPartyView(mentor.Id, mentor.DisplayName, mentor.Interests, mentor.Languages, mentor.LivedExperienceTags, null)
                    : new MatchPartyView(mentor.Id, mentor.DisplayName, [], [], [], null),
                match.CaseManagerId, match.History, match.Closure, missingConsents, match.PreviousMatchId, role, youthSaidNo,
                match.State == MatchState.AwaitingCaseManager ? PairConstraints.Violations(youth, mentor) : null),
        }) with
        {
            // The mentor takes no step from a version, and one that changes while the state they are shown does not (a
            // match put to the youth) would tell them it had waited for the case manager.
            Version = role == MatchRole.Mentor ? null : match.ETag,
        };
}

public static class MatchEndpoints
{
    public static IEndpointRouteBuilder MapMatches(this IEndpointRouteBuilder app)
    {
        var matches = app.MapGroup("/api/matches").WithTags("Matches")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed);

        matches.MapPost("/", ProposeMatch).WithName(nameof(ProposeMatch))
            .RequireAuthorization(Policies.CaseManager).WithSummary("Propose a mentor for a youth on your caseload.");
        matches.MapGet("/", ListMatches).WithName(nameof(ListMatches))
            .RequireAuthorization(Policies.MatchParticipant).WithSummary("Your matches, newest first, a page at a time, as your role may see them; youthId, open=true and ended=true (closed after their chat started) narrow them.");
        matches.MapGet("/{id}", GetMatch).WithName(nameof(GetMatch))
            .RequireAuthorization(Policies.MatchParticipant);
        matches.MapPost("/{id}/accept", AcceptMatch).WithName(nameof(AcceptMatch))
            .RequireAuthorization(Policies.Mentor).WithSummary("Accept a proposed match (you consent to it).");
        matches.MapPost("/{id}/decline", DeclineMatch).WithName(nameof(DeclineMatch))
            .RequireAuthorization(Policies.MatchParticipant).WithSummary("Say no to a match: the mentor before it starts, the youth at any time before it is active. A case manager recording the youth's no sends the match's version as If-Match.");
        matches.MapPost("/{id}/agree", AgreeToMatch).WithName(nameof(AgreeToMatch))
            .RequireAuthorization(Policies.MatchParticipant).WithSummary("The youth agrees (or their case manager records that they did).");
        matches.MapPost("/{id}/activate", ActivateMatch).WithName(nameof(ActivateMatch))
            .RequireAuthorization(Policies.CaseManager).WithSummary("Start a match once every consent it needs is current.");
        matches.MapPost("/{id}/put-to-youth", PutMatchToYouth).WithName(nameof(PutMatchToYouth))
            .RequireAuthorization(Policies.CaseManager).WithSummary("Put to the youth a match the mentor said yes to when it no longer fitted, once it fits again.");
        matches.MapPost("/{id}/pause", PauseMatch).WithName(nameof(PauseMatch))
            .RequireAuthorization(Policies.CaseManager);
        matches.MapPost("/{id}/resume", ResumeMatch).WithName(nameof(ResumeMatch))
            .RequireAuthorization(Policies.CaseManager);
        matches.MapPost("/{id}/end", EndMatch).WithName(nameof(EndMatch))
            .RequireAuthorization(Policies.MatchParticipant).WithSummary("The youth ends their match, at any time, without giving a reason.");
        matches.MapPost("/{id}/step-back", StepBackFromMatch).WithName(nameof(StepBackFromMatch))
            .RequireAuthorization(Policies.MatchParticipant).WithSummary("The mentor steps back from a match they said yes to, at any time, without giving a reason.");
        matches.MapPost("/{id}/close", CloseMatch).WithName(nameof(CloseMatch))
            .RequireAuthorization(Policies.CaseManager).WithSummary("Close a match with a reason and notes (planned or not).");
        matches.MapPost("/{id}/rematch", Rematch).WithName(nameof(Rematch))
            .RequireAuthorization(Policies.CaseManager).WithSummary("Propose a new mentor for the youth of a closed or declined match.");
        return app;
    }

    private static async Task<Created<MatchView>> ProposeMatch(IMediator mediator, ProposeMatchRequest body, CancellationToken ct) =>
        Created(await mediator.Send(new ProposeMatch(AgencyStore.NewId(), body.YouthId, body.MentorId), ct));

    private static async Task<Ok<Page<MatchView>>> ListMatches(
        IMediator mediator, int? pageSize, string? continuationToken, string? youthId, bool? open, bool? ended, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListMatches(pageSize ?? Paging.DefaultPageSize, continuationToken, youthId, open ?? false, ended ?? false), ct));

    private static async Task<Ok<MatchView>> GetMatch(IMediator mediator, string id, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetMatch(id), ct));

    private static async Task<Ok<MatchView>> AcceptMatch(IMediator mediator, string id, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new AcceptMatch(id), ct));

    private static async Task<Ok<MatchView>> DeclineMatch(IMediator mediator, string id, [FromHeader(Name = "If-Match")] string? ifMatch, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new DeclineMatch(id, ifMatch), ct));

    private static async Task<Ok<MatchView>> AgreeToMatch(IMediator mediator, string id, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new AgreeToMatch(id), ct));

    private static async Task<Ok<MatchView>> ActivateMatch(IMediator mediator, string id, [FromHeader(Name = "If-Match")] string? ifMatch, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ActivateMatch(id, ifMatch), ct));

    private static async Task<Ok<MatchView>> PutMatchToYouth(IMediator mediator, string id, [FromHeader(Name = "If-Match")] string? ifMatch, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new PutMatchToYouth(id, ifMatch), ct));

    private static async Task<Ok<MatchView>> PauseMatch(IMediator mediator, string id, [FromHeader(Name = "If-Match")] string? ifMatch, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new PauseMatch(id, ifMatch), ct));

    private static async Task<Ok<MatchView>> ResumeMatch(IMediator mediator, string id, [FromHeader(Name = "If-Match")] string? ifMatch, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ResumeMatch(id, ifMatch), ct));

    private static async Task<Ok<MatchView>> EndMatch(IMediator mediator, string id, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new EndMatch(id), ct));

    private static async Task<Ok<MatchView>> StepBackFromMatch(IMediator mediator, string id, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new StepBackFromMatch(id), ct));

    private static async Task<Ok<MatchView>> CloseMatch(IMediator mediator, string id, CloseMatchRequest body, [FromHeader(Name = "If-Match")] string? ifMatch, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new CloseMatch(id, body, ifMatch), ct));

    private static async Task<Created<MatchView>> Rematch(IMediator mediator, string id, RematchRequest body, CancellationToken ct)
    {
        var previous = await mediator.Send(new GetMatch(id), ct);
        return Created(await mediator.Send(new ProposeMatch(AgencyStore.NewId(), previous.Youth?.Id, body.MentorId, id), ct));
    }

    private static Created<MatchView> Created(MatchView match) => TypedResults.Created($"/api/matches/{match.Id}", match);
}
