using Mediator;
using SurvivorConnect.Api.Features.Agencies;
using SurvivorConnect.Api.Features.Consent;
using SurvivorConnect.Api.Features.Mentoring.Rules;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Mentoring;

/// <summary>
/// The one place that decides whether a mentor may enter a match: the mentor active in the Mentor role, an active
/// supervisor, readiness gates, supervisor holds, capacity, the mentor's consent, and the youth's do-not-match list and
/// preferences. It is asked when a match is proposed and again
/// at every step towards it going live (the mentor's acceptance, the youth's agreement, activation, resuming a paused one), so a hold placed
/// or a do-not-match added after the mentor accepted still stops it; such a change made while a step is under way stops
/// that step too (<see cref="MatchFence"/>). It is asked only once the caller is known to be
/// one who may take the step, and its reasons go only to those who may know them: the youth's case manager and the
/// agency admin see every reason; the mentor sees their own, and nothing of the youth: a yes to a pair that no longer
/// fits the youth's wishes is taken and goes to the case manager (<see cref="MatchState.AwaitingCaseManager"/>), as a
/// refusal would let a mentor learn the youth's place or wishes by changing their own profile and asking again; the
/// youth, that it cannot start now.
/// </summary>
public sealed class MentorEligibilityGuard(MentoringData data)
{
    public const string ChangedMeanwhile = "Something about this match changed while you were making this change. Look at it again.";

    /// <summary>
    /// Checks the mentor and the youth as they are now, and returns the writes of their <see cref="MatchFence"/>s that
    /// the step must make in its batch: the fences are read before either record, so a change whose fence is rewritten
    /// after this check fails it. The youth is read afresh here, and returned: the caller's copy was read before the
    /// fences, so a change made in between (their age, which decides the consents a match needs) is in this one only.
    /// A mentor's yes that fails only on what the youth asked for is returned as not fitting, not refused.
    /// </summary>
    /// <param name="matchId">The match being moved, which does not count against the mentor's capacity; null for a proposal.</param>
    /// <param name="resuming">
    /// The match was live and paused: not a new match, so capacity (which counted it all along) does not stop it, nor
    /// does the mentor resting from new matches (which stops only proposals and their own yes); everything else does, a
    /// hold and a do-not-match added meanwhile above all.
    /// </param>
    public async Task<EligibleStep> EnsureAsync(string mentorId, string youthId, string? matchId, MatchRole caller, CancellationToken ct, bool resuming = false)
    {
        var fences = new[] { MatchFence.ForMentor(mentorId), MatchFence.ForYouth(youthId) };
        var read = new List<MatchFence?>();
        foreach (var id in fences)
        {
            read.Add(await data.Store.ReadAsync<MatchFence>(Match.Container, id, data.AgencyId, ct));
        }

        var mentor = await data.MentorAsync(mentorId, ct);
        var youth = await data.YouthAsync(youthId, ct);
        var own = MentorEligibility.Blockers(mentor, await data.OpenMatchCountAsync(mentor.Id, matchId, ct), await data.ConsentsToMentoringAsync(mentor.Id, ct),
            await data.HasActiveSupervisorAsync(mentor, ct)).ToList();

        if (!await data.IsActiveAsync(mentor.Id, Roles.Mentor, ct))
        {
            own.Add(MentorEligibility.NotActive);
        }

        // A mentor resting from new matches is not proposed and does not say yes to one; a match they said yes to before
        // goes on (the youth's yes, its start, its resuming), as they were told.
        if (matchId is not null && caller != MatchRole.Mentor)
        {
            own.RemoveAll(blocker => blocker is MentorEligibility.NoNewMatches);
        }

        // Resuming is no new match, so capacity (which counted it all along) does not stop it. Any hold does: one may wait
        // on an urgent answer of the mentor's that no supervisor has reviewed yet, and which holds do cannot say so to
        // the case manager who resumes, who may not know why a mentor is held.
        if (resuming)
        {
            own.RemoveAll(blocker => blocker is MentorEligibility.AtCapacity);
        }

        var pair = PairConstraints.Violations(youth, mentor);
        // Being the youth's case manager, or the youth, is the mentor's own part, which they know; the rest is the youth's.
        var heldForCaseManager = caller == MatchRole.Mentor && own.Count == 0 && pair.Count > 0
            && !pair.Contains(PairConstraints.OwnCaseManager) && !pair.Contains(PairConstraints.TheYouthThemselves);
        if (own.Count + pair.Count == 0 || heldForCaseManager)
        {
            return new EligibleStep([.. fences.Zip(read, (id, fence) => fence is null
                ? (BatchOperation)new BatchOperation.Create(new MatchFence { Id = id })
                : new BatchOperation.Replace(new MatchFence { Id = id }, fence.ETag!))], PairFits: !heldForCaseManager, youth);
        }

        throw new ConflictException(caller switch
        {
            MatchRole.Mentor => own.Count > 0
                ? $"You cannot take this match now: {string.Join("; ", own)}."
                : pair.Contains(PairConstraints.TheYouthThemselves) ? "This match is about you as the youth: another mentor is found for you."
                : "You are one of this youth's case managers, so another mentor is found for them.",
            MatchRole.Youth => "This match cannot start right now. Your case manager will talk it through with you.",
            _ => $"This mentor cannot be matched now: {string.Join("; ", own.Concat(pair))}.",
        });
    }

    /// <summary>
    /// Call once a change to what <see cref="EnsureAsync"/> reads of a mentor is written: steps checked before it now
    /// fail. Not cancellable: a change already written must not be left unfenced by a caller who gave up.
    /// </summary>
    public Task MentorChangedAsync(string mentorId) => RewriteAsync(MatchFence.ForMentor(mentorId));

    /// <summary>As <see cref="MentorChangedAsync"/>, for a youth.</summary>
    public Task YouthChangedAsync(string youthId) => RewriteAsync(MatchFence.ForYouth(youthId));

    private async Task RewriteAsync(string fenceId) =>
        await data.Store.UpsertAsync(Match.Container, new MatchFence { Id = fenceId }, CancellationToken.None);
}

/// <param name="Fences">The fence writes the step's batch must make.</param>
/// <param name="PairFits">False only for a mentor's yes to a pair that no longer fits what the youth asked for.</param>
/// <param name="Youth">The youth as read after the fences: what the rest of the step decides on.</param>
public sealed record EligibleStep(IReadOnlyList<BatchOperation> Fences, bool PairFits, YouthReferral Youth);

/// <summary>
/// A person's active state or roles changed: if they mentor, whether they may enter a match changed; if they
/// supervised, their mentors may be left without a supervisor, which stops their matches. A step under way for any of
/// them fails, as it does after a hold.
/// </summary>
internal sealed class PersonAccessFenceHandler(MentoringData data, MentorEligibilityGuard eligibility) : INotificationHandler<PersonAccessChanged>
{
    public async ValueTask Handle(PersonAccessChanged notification, CancellationToken ct)
    {
        if (notification.AgencyId != data.AgencyId
            || await data.FindAsync<Person>(Person.Container, notification.PersonId, CancellationToken.None) is not { } person)
        {
            return;
        }

        var roles = person.Roles.Concat(person.FormerRoles).ToList();
        if (roles.Contains(Roles.Mentor, StringComparer.Ordinal))
        {
            await eligibility.MentorChangedAsync(person.Id);
        }

        if (Left(person, roles, Roles.Supervisor))
        {
            foreach (var mentor in await data.AllAsync<MentorProfile>(MentorProfile.Container, [Filter.Eq("supervisorId", person.Id)], CancellationToken.None))
            {
                await eligibility.MentorChangedAsync(mentor.Id);
            }
        }

        // A case manager gone may leave a youth with nobody to oversee their chats: a step checked against them fails.
        if (Left(person, roles, Roles.CaseManager))
        {
            foreach (var youth in await data.AllAsync<YouthReferral>(YouthReferral.Container, [Filter.Contains("caseManagerIds", person.Id)], CancellationToken.None))
            {
                await eligibility.YouthChangedAsync(youth.Id);
            }
        }
    }

    private static bool Left(Person person, List<string> roles, string role) =>
        roles.Contains(role, StringComparer.Ordinal) && !(person.Active && person.Roles.Contains(role, StringComparer.Ordinal));
}

/// <summary>The one place that knows which consents a match needs, and checks they are current.</summary>
public sealed class MatchConsentGuard(MentoringData data)
{
    /// <param name="givenNow">A party whose consent the caller is giving in this very request, counted as current.</param>
    public async Task<IReadOnlyList<string>> MissingAsync(Match match, YouthReferral youth, CancellationToken ct, ConsentGrantor? givenNow = null) =>
        Missing(match, youth, await data.PolicyAsync(ct), await data.ConsentsAsync(Filter.Eq("matchId", match.Id), ct), data.Now, givenNow);

    /// <summary>The consents a match still needs, from the agency's policy and the match's consent records.</summary>
    public static IReadOnlyList<string> Missing(
        Match match, YouthReferral youth, MatchConsentPolicy policy, IEnumerable<ConsentRecord> matchConsents, DateTimeOffset now, ConsentGrantor? givenNow = null)
    {
        var consents = matchConsents.Where(c => c.MatchId == match.Id && c.Scope == MentoringScopes.MentoringMatch).ToList();
        var needed = new List<(ConsentGrantor Grantor, string Subject, string Words)>
        {
            (ConsentGrantor.Mentor, match.MentorId, "the mentor's agreement"),
            (ConsentGrantor.Youth, match.YouthId, YouthsAgreement),
        };
        if (youth.Age < policy.AdultAge)
        {
            needed.AddRange(policy.MinorMatchNeeds.Select(g => (g, match.YouthId, Words(g))));
        }

        return needed
            .Where(n => n.Grantor != givenNow && !Holds(consents.Where(c => c.Grantor == n.Grantor && c.SubjectId == n.Subject), now))
            .Select(n => n.Words).ToList();
    }

    /// <summary>How <see cref="Missing"/> names the youth's own yes.</summary>
    public const string YouthsAgreement = "the youth's agreement";

    /// <summary>How a party to a started match is told of a missing consent that is not theirs to give.</summary>
    public const string AConsentNeeded = "a consent the match needs";

    /// <summary>
    /// What a party to a started match is told is missing: the youth, whether it is their own yes (which they can give
    /// again); neither, whose else it is (the mentor's withdrawn yes, a guardian's).
    /// </summary>
    public static IReadOnlyList<string>? ForParty(IReadOnlyList<string>? missing, bool youth) =>
        missing is not { Count: > 0 } ? null : [.. missing.Select(w => youth && w == YouthsAgreement ? w : AConsentNeeded).Distinct()];

    /// <summary>How a missing consent of a minor's match is named in <see cref="Missing"/>.</summary>
    public static string Words(ConsentGrantor grantor) => $"{grantor.ToString().ToLowerInvariant()} consent";

    /// <summary>
    /// Whether one party's yes stands: a current record given after their last withdrawal. A withdrawal of any of their
    /// records withdraws them, so a second record of the same yes (a double tap, staff recording it twice) left
    /// current does not keep the match going. A yes taken back as recorded in error withdraws nothing: it was never given.
    /// </summary>
    private static bool Holds(IEnumerable<ConsentRecord> records, DateTimeOffset now)
    {
        var list = records.Where(c => !c.RecordedInError).ToList();
        var lastWithdrawn = list.Max(c => c.RevokedAt);
        return list.Any(c => c.IsCurrent(now) && (lastWithdrawn is null || c.GrantedAt > lastWithdrawn));
    }

    public async Task EnsureAsync(Match match, YouthReferral youth, CancellationToken ct)
    {
        var missing = await MissingAsync(match, youth, ct);
        if (missing.Count > 0)
        {
            throw new ConflictException($"This match needs current consent first: {string.Join(", ", missing)}.");
        }
    }

    /// <summary>
    /// Staff saying yes for the youth (agreeing to the match for them, recording their consent) or taking the match on
    /// (activating, resuming): refused while the youth's last answer about this mentor is no (<see cref="YouthsOwnAnswer"/>).
    /// </summary>
    public async Task EnsureStaffMaySayYesForYouthAsync(Match match, YouthReferral youth, CancellationToken ct)
    {
        if ((await SaidNoAsync([(youth, match.MentorId)], ct)).Count > 0)
        {
            throw new ConflictException("The youth said no to a match with this mentor, so only they can say yes to one again.");
        }
    }

    /// <summary>
    /// Of these youth–mentor pairs, those whose youth's last answer about the mentor is no (<see cref="YouthsOwnAnswer"/>),
    /// so staff screens can say so before anyone proposes or agrees: two queries, however many pairs.
    /// </summary>
    public async Task<IReadOnlySet<(string YouthId, string MentorId)>> SaidNoAsync(IReadOnlyCollection<(YouthReferral Youth, string MentorId)> pairs, CancellationToken ct)
    {
        var saidNo = new HashSet<(string YouthId, string MentorId)>();
        if (pairs.Count == 0)
        {
            return saidNo;
        }

        object[] youthIds = [.. pairs.Select(p => p.Youth.Id).Distinct(StringComparer.Ordinal)];
        var matches = await data.AllAsync<Match>(Match.Container,
            [Filter.In("youthId", youthIds), Filter.In("mentorId", [.. pairs.Select(p => p.MentorId).Distinct(StringComparer.Ordinal)])], ct);
        var consents = matches.Count == 0 ? [] : await data.AllAsync<ConsentRecord>(
            ConsentRecord.Container, [Filter.In("subjectId", youthIds), Filter.Eq("scope", MentoringScopes.MentoringMatch)], ct);
        foreach (var (youth, mentorId) in pairs)
        {
            var pair = matches.Where(m => m.YouthId == youth.Id && m.MentorId == mentorId).ToList();
            var theirs = consents.Where(c => c.SubjectId == youth.Id && pair.Any(m => m.Id == c.MatchId));
            if (YouthsOwnAnswer.SaidNo(youth.PersonId, pair, theirs))
            {
                saidNo.Add((youth.Id, mentorId));
            }
        }

        return saidNo;
    }
}
