using Mediator;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Api.Infrastructure.Tenancy;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Consent;

public sealed record ConsentRequest(
    string? SubjectId, string? Grantor, string? Scope, string? MatchId, DateTimeOffset? ExpiresAt, string? PartnerAgencyId = null, string[]? Kinds = null);

public sealed record ConsentView(string Id, string SubjectId, ConsentGrantor Grantor, string Scope, string? MatchId, DateTimeOffset GrantedAt,
    DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt, string RecordedBy, bool Current, string? PartnerAgencyId, IReadOnlyList<string> Kinds,
    bool GivenBySubject, bool RecordedInError);

public sealed record GrantConsent(string ConsentId, ConsentRequest Body) : ICommand<ConsentView>, IValidate, IAudited
{
    // Under the subject, as the list is: the same yes said again is answered with the record standing, not this id. A
    // mentor's yes to a match is under the match: under the mentor it would tell an admin kept from the youth, who reads
    // the mentor's trail, that the mentor is being matched with a youth kept from them, and when.
    public AuditTarget Audit => new("consent.grant", "consent", Body.MatchId is { } match && EnumNames.TryParse(Body.Grantor, out ConsentGrantor grantor) && grantor == ConsentGrantor.Mentor ? match : Body.SubjectId);

    public void Validate(ValidationErrors errors)
    {
        errors.Text("subjectId", Body.SubjectId, 128).Text("matchId", Body.MatchId, 128, required: false)
            .Text("partnerAgencyId", Body.PartnerAgencyId, 128, required: false).Tags("kinds", Body.Kinds);
        errors.OneOf<ConsentGrantor>("grantor", Body.Grantor);
    }
}

/// <summary>
/// Withdraws a consent. Staff withdrawing a youth's consent do it at the youth's word, so it counts as the youth's no; a
/// yes staff recorded by mistake is taken back <paramref name="InError"/> instead, as never given.
/// </summary>
public sealed record RevokeConsent(string ConsentId, bool InError = false) : ICommand<ConsentView>, IAudited
{
    public AuditTarget Audit => new(InError ? "consent.correct" : "consent.revoke", "consent", ConsentId);
}

public sealed record ListConsents(string SubjectId) : IQuery<IReadOnlyList<ConsentView>>, IAudited
{
    public AuditTarget Audit => new("consent.list", "consent", SubjectId);
}

/// <summary>
/// What the caller said yes to themselves and can still say no to, whatever their roles now: a youth whose role was
/// changed still stops sharing their records, as a mentor whose role was taken away still says no to mentoring.
/// </summary>
public sealed record ListMyConsents : IQuery<IReadOnlyList<MyConsent>>, IAudited
{
    public AuditTarget Audit => new("consent.list-own", "consent");
}

/// <summary>
/// One yes of the caller's own, in their words (<see cref="ConsentScope.Words"/>, or what is shared with whom); to a
/// match, with when the match was proposed, as their Matches page names it.
/// </summary>
public sealed record MyConsent(string Id, string Scope, string What, DateTimeOffset GrantedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? MatchProposedAt = null);

/// <summary>A consent was granted or revoked: whoever depends on it (a match, its chat) follows.</summary>
public sealed record ConsentChanged(ConsentRecord Consent) : INotification;

/// <summary>
/// What the registry asks of the feature that owns consent subjects (today mentoring: its mentors and youth):
/// each method throws <see cref="NotFoundException"/> for a caller who may not, exactly as for no such subject.
/// </summary>
public interface IConsentSubjects
{
    /// <summary>
    /// The caller may grant or revoke consent about <paramref name="subjectId"/> as <paramref name="grantor"/>; true when
    /// the caller is the subject, for themselves (not staff recording it on their behalf).
    /// </summary>
    Task<bool> EnsureMayRecordAsync(string subjectId, ConsentGrantor grantor, CancellationToken ct);

    /// <summary>The caller may read the consents about <paramref name="subjectId"/>.</summary>
    Task EnsureMayReadAsync(string subjectId, CancellationToken ct);

    /// <summary>Whether an agency admin may read the consents about <paramref name="subjectId"/> as its admin: not one who mentored them.</summary>
    Task<bool> AdminMayReadAsync(string subjectId, CancellationToken ct);

    /// <summary>
    /// The match exists for the caller and <paramref name="subjectId"/> is one of its parties; and a consent recorded for
    /// the party by someone else (<paramref name="bySubject"/> false) is one the match's rules let staff record.
    /// </summary>
    Task EnsureMatchConsentAsync(string matchId, string subjectId, ConsentGrantor grantor, bool bySubject, CancellationToken ct);

    /// <summary>The sign-in of the person <paramref name="subjectId"/> is about, when it is not the id itself (a youth's), or null.</summary>
    Task<string?> SignInOfAsync(string subjectId, CancellationToken ct);

    /// <summary>The youth record the caller's own consents as a youth are about, whatever their roles now; null if none.</summary>
    Task<string?> OwnYouthRecordAsync(CancellationToken ct);

    /// <summary>When a match still open was proposed; null once it is closed (a consent to it no longer does anything) or not found.</summary>
    Task<DateTimeOffset?> OpenMatchProposedAtAsync(string matchId, CancellationToken ct);

    /// <summary>
    /// Of these matches, those an agency admin asking may not read as its admin (their youth is kept from them): a
    /// consent to one, the mentor's too, is part of that youth's record.
    /// </summary>
    Task<IReadOnlySet<string>> MatchesKeptFromAdminAsync(IReadOnlyCollection<string> matchIds, CancellationToken ct);
}

/// <summary>
/// What the registry asks of the feature that keeps partnerships between agencies (teaming) before a consent to
/// share with another agency is recorded: throws <see cref="RequestValidationException"/> when there is no current
/// partnership with that agency, or it does not allow one of the kinds; otherwise returns the kinds as that
/// feature spells them.
/// </summary>
public interface IPartnerSharing
{
    Task<IReadOnlyList<string>> EnsureMayShareAsync(string partnerAgencyId, IReadOnlyList<string> kinds, CancellationToken ct);

    /// <summary>What a consent to share shares, and with which agency, in the words of the youth who gave it.</summary>
    Task<string> DescribeAsync(string partnerAgencyId, IReadOnlyList<string> kinds, CancellationToken ct);
}

/// <summary>
/// The consent registry. Who may record consent about whom is the business of the feature that owns the
/// subject (<see cref="IConsentSubjects"/>); what follows a change is the business of whoever handles
/// <see cref="ConsentChanged"/>. Revocation takes effect at once: every check reads the registry.
/// </summary>
internal sealed class ConsentHandlers(AgencyStore store, IConsentSubjects subjects, IPartnerSharing partners, ConsentScopes scopes, IPublisher publisher, AccessBasis basis)
    : ICommandHandler<GrantConsent, ConsentView>,
      ICommandHandler<RevokeConsent, ConsentView>,
      IQueryHandler<ListConsents, IReadOnlyList<ConsentView>>,
      IQueryHandler<ListMyConsents, IReadOnlyList<MyConsent>>
{
    public async ValueTask<ConsentView> Handle(GrantConsent command, CancellationToken ct)
    {
        var body = command.Body;
        var grantor = EnumNames.Parse<ConsentGrantor>(body.Grantor);
        var bySubject = await EnsureMayRecordAsync(body.SubjectId!, grantor, body.Scope, ct);
        if (body.ExpiresAt is { } expires && expires <= store.Now)
        {
            throw new RequestValidationException("expiresAt", "Must be in the future.");
        }

        if (scopes.Find(body.Scope)?.OnlyGrantor is { } only && grantor != only)
        {
            var who = only == ConsentGrantor.Self ? "Only the person themselves gives this consent." : $"Only a {only.ToString().ToLowerInvariant()} consents to {body.Scope}.";
            throw new RequestValidationException("grantor", who);
        }

        if (body.MatchId is not null)
        {
            await subjects.EnsureMatchConsentAsync(body.MatchId, body.SubjectId!, grantor, bySubject, ct);
        }

        var like = await LikeAsync(body.SubjectId!, grantor, body.Scope!, body.MatchId, body.PartnerAgencyId, ct);

        // The same form sent twice (a double tap, a resend after a lost answer) carries one id: it was recorded once.
        if (like.FirstOrDefault(c => c.Id == command.ConsentId) is { } sentBefore)
        {
            return await FollowedAsync(sentBefore);
        }

        if (!bySubject && ConsentRecord.SubjectsLastWordIsNo(like))
        {
            throw new ConflictException("The youth withdrew this consent themselves, so only they can give it again.");
        }

        var kinds = ValidationErrors.Clean(body.Kinds);
        if (body.PartnerAgencyId is not null)
        {
            kinds = await partners.EnsureMayShareAsync(body.PartnerAgencyId, kinds, ct);
        }

        // What the youth left out of the sharing they chose themselves, or past when they chose it to end, is a no to it
        // as a withdrawal is.
        if (!bySubject && BeyondSubjectsOwn(like, kinds, body.ExpiresAt) is { } beyond)
        {
            throw new ConflictException(beyond);
        }

        // The same yes said again (a second tap, two tabs, a retry) is the yes already standing, not another record: a
        // consent's history stays the changes of mind it holds. Not for sharing with a partner, where the newest record
        // decides, and one given under an earlier partnership shares nothing under a new one: a yes said again there
        // is recorded anew, and replaces the rest. Nor a yes a later withdrawal of a record like it took back (staff
        // taking back theirs at the youth's word): that one no longer stands, so the yes said now is recorded anew.
        var lastWithdrawn = like.Where(c => !c.RecordedInError).Max(c => c.RevokedAt);
        if (body.PartnerAgencyId is null
            && like.FirstOrDefault(c => c.IsCurrent(store.Now) && (lastWithdrawn is null || c.GrantedAt > lastWithdrawn)
                && c.GivenBySubject == bySubject && c.ExpiresAt == body.ExpiresAt && c.Kinds.Count == 0) is { } standing)
        {
            return await FollowedAsync(standing);
        }

        // A consent's history is its changes of mind, and every check of it reads them all: past more in a month than
        // anyone makes, more is a script, which would slow every match step and chat of the person.
        if (like.Count(c => c.GrantedAt > store.Now - MaxLikeWithin) >= MaxLike)
        {
            throw new ConflictException("This consent has been given and taken back more often than it can be in a month. Try again later.");
        }

        var consent = await store.CreateAsync(ConsentRecord.Container, new ConsentRecord
        {
            Id = command.ConsentId,
            SubjectId = body.SubjectId!,
            Grantor = grantor,
            Scope = body.Scope!,
            MatchId = body.MatchId,
            PartnerAgencyId = body.PartnerAgencyId,
            Kinds = kinds,
            GrantedAt = store.Now,
            ExpiresAt = body.ExpiresAt,
            RecordedBy = store.User.UserId,
            GivenBySubject = bySubject,
        }, ct);

        // One consent to share with a partner stands at a time: the newest replaces the rest, so the youth's one
        // "Stop sharing" stops all of it rather than leaving an older consent still sharing.
        if (consent.PartnerAgencyId is not null)
        {
            foreach (var earlier in like.Where(c => c.IsCurrent(store.Now)))
            {
                await SupersedeAsync(earlier, ct);
            }
        }

        // The youth's no, or narrower yes, landed while staff recorded a yes for them, wins: the yes is taken back at once,
        // before anyone (the youth among them) is told of it.
        if (!bySubject && await LikeAsync(body.SubjectId!, grantor, body.Scope!, body.MatchId, body.PartnerAgencyId, ct) is var now
            && (ConsentRecord.SubjectsLastWordIsNo(now) ? "The youth withdrew this consent themselves just now, so only they can give it again." : BeyondSubjectsOwn(now, kinds, body.ExpiresAt)) is { } whyNot)
        {
            await SupersedeAsync(consent, ct);
            throw new ConflictException(whyNot);
        }

        await publisher.FinishAsync(new ConsentChanged(consent));
        return View(consent);
    }

    /// <summary>
    /// A yes sent again is answered as the yes standing, and what follows it is done again: the first send may have been
    /// told its telling failed (send it again), and each part of that is done once however often it is asked for.
    /// </summary>
    private async Task<ConsentView> FollowedAsync(ConsentRecord sentBefore)
    {
        if (sentBefore.IsCurrent(store.Now))
        {
            await publisher.FinishAsync(new ConsentChanged(sentBefore));
        }

        return View(sentBefore);
    }

    /// <summary>
    /// Revokes a consent as it was read, as the subject's own no when <paramref name="bySubject"/>. False when it changed
    /// meanwhile (revoked: a revocation is the only change a consent takes), which the caller reads again if it must.
    /// </summary>
    private async Task<bool> SupersedeAsync(ConsentRecord earlier, CancellationToken ct, bool bySubject = false)
    {
        try
        {
            var replaced = await store.ReplaceAsync(ConsentRecord.Container, earlier with { RevokedAt = store.Now, WithdrawnBySubject = bySubject || earlier.WithdrawnBySubject }, earlier.ETag!, ct);
            await publisher.FinishAsync(new ConsentChanged(replaced));
            return true;
        }
        catch (StoreException ex) when (ex.Kind == StoreErrorKind.PreconditionFailed)
        {
            return false;
        }
    }

    public async ValueTask<ConsentView> Handle(RevokeConsent command, CancellationToken ct)
    {
        var consent = await store.FindAsync<ConsentRecord>(ConsentRecord.Container, command.ConsentId, ct) ?? throw new NotFoundException("consent");

        // Saying no to what one said yes to for oneself needs no role: only saying yes does. Someone who may not is told
        // there is no such consent, as for an id nobody gave: never that the consent exists about someone they may not see.
        bool bySubject;
        try
        {
            bySubject = await IsOwnAsync(consent, ct) || await EnsureMayRecordAsync(consent.SubjectId, consent.Grantor, consent.Scope, ct);
        }
        catch (NotFoundException)
        {
            throw new NotFoundException("consent");
        }

        if (command.InError && (bySubject || consent.GivenByThemselves(await subjects.SignInOfAsync(consent.SubjectId, ct))))
        {
            throw new ConflictException("Only a consent staff recorded can be taken back as recorded in error. This one the person gave themselves: revoke it when they ask.");
        }

        if (!bySubject || consent.PartnerAgencyId is null)
        {
            // A consent not tied to a match or a partner (to mentor, to be contacted for paid work) is one yes however
            // often it was recorded (two tabs, a second tap): withdrawn, every record of it goes, or an older one would
            // still count as the person consenting. Asked again, a withdrawal that stopped part way is finished. The
            // subject's own no to a match goes to every yes to it, one staff recorded after their page was drawn too.
            // A yes the subject gave themselves after this no was asked (another tab) is their later word, and stands.
            var askedAt = store.Now;
            async Task<List<ConsentRecord>> TwinsAsync() => consent.PartnerAgencyId is null && (bySubject || consent.MatchId is null)
                ? [.. (await LikeAsync(consent.SubjectId, consent.Grantor, consent.Scope, consent.MatchId, null, ct))
                    .Where(c => c.Id != consent.Id && c.RevokedAt is null && !(c.GivenBySubject && c.GrantedAt > askedAt))]
                : [];
            var twins = await TwinsAsync();

            // Staff revoked it before the subject's own no arrived: the no is still theirs, so staff cannot say yes again for them.
            var noUnrecorded = bySubject && consent is { RevokedAt: not null, WithdrawnBySubject: false };
            if (consent.RevokedAt is not null && twins.Count == 0 && !noUnrecorded)
            {
                // Sent again after its telling failed (send it again): what follows the no is done again, once each.
                await publisher.FinishAsync(new ConsentChanged(consent));
                throw new ConflictException("This consent was already revoked.");
            }

            var written = consent;
            if (consent.RevokedAt is null || noUnrecorded)
            {
                written = await store.ReplaceAsync(ConsentRecord.Container, consent with
                {
                    RevokedAt = consent.RevokedAt ?? store.Now,
                    WithdrawnBySubject = bySubject,
                    RecordedInError = command.InError,
                    WithdrawnForSubject = !bySubject && !command.InError && consent.Grantor == ConsentGrantor.Youth,
                }, consent.ETag!, ct);
                if (consent.RevokedAt is null)
                {
                    await publisher.FinishAsync(new ConsentChanged(written));
                }
            }

            // The subject's no goes on until no yes is left, read again after their own record is written: one staff
            // recorded meanwhile is stopped too. Staff withdrawing stop the records they saw.
            if (bySubject)
            {
                await StopUntilNoneStandAsync(await TwinsAsync(), TwinsAsync, bySubject, ct);
            }
            else
            {
                await StopUntilNoneStandAsync(twins, () => Task.FromResult(new List<ConsentRecord>()), bySubject, ct);
            }

            return View(written);
        }

        // The youth's one "Stop sharing" stops all sharing with that partner, whichever of its consents their page
        // showed, and goes on until none is left: one staff recorded meanwhile, or one changed under it, is stopped too.
        async Task<List<ConsentRecord>> StillSharingAsync() =>
            [.. (await LikeAsync(consent.SubjectId, consent.Grantor, consent.Scope, consent.MatchId, consent.PartnerAgencyId, ct)).Where(c => c.RevokedAt is null)];
        var targets = await StillSharingAsync();
        if (targets.Count == 0)
        {
            // Staff took it back already (recorded in error, say): the no is still the youth's, so staff cannot say yes
            // again for them.
            return consent.WithdrawnBySubject
                ? throw new ConflictException("This consent was already revoked.")
                : View(await store.ReplaceAsync(ConsentRecord.Container, consent with { RevokedAt = consent.RevokedAt ?? store.Now, WithdrawnBySubject = true }, consent.ETag!, ct));
        }

        var saidNo = await StopUntilNoneStandAsync(targets, StillSharingAsync, bySubject: true, ct);

        var shown = await store.FindAsync<ConsentRecord>(ConsentRecord.Container, consent.Id, ct) ?? consent;
        if (!saidNo && !shown.WithdrawnBySubject)
        {
            // Staff stopped all of it meanwhile: the no is still the youth's, so staff cannot say yes again for them.
            shown = await store.ReplaceAsync(ConsentRecord.Container, shown with { RevokedAt = shown.RevokedAt ?? store.Now, WithdrawnBySubject = true }, shown.ETag!, ct);
        }

        return View(shown);
    }

    private const int MaxStopRounds = 5;

    /// <summary>
    /// Stops each of <paramref name="standing"/>, then each that <paramref name="stillStanding"/> finds, until none is
    /// left: one recorded meanwhile, or changed under it, is stopped too. True if this call stopped any.
    /// </summary>
    private async Task<bool> StopUntilNoneStandAsync(
        List<ConsentRecord> standing, Func<Task<List<ConsentRecord>>> stillStanding, bool bySubject, CancellationToken ct)
    {
        var stopped = false;
        for (var round = 1; standing.Count > 0; round++, standing = await stillStanding())
        {
            if (round > MaxStopRounds)
            {
                throw new StoreException(StoreErrorKind.Unavailable, "Consent kept changing while it was being withdrawn.");
            }

            foreach (var record in standing)
            {
                stopped |= await SupersedeAsync(record, ct, bySubject);
            }
        }

        return stopped;
    }

    /// <summary>A consent the caller gave about themselves (as a mentor, for themselves, or as the youth of their youth record).</summary>
    private async Task<bool> IsOwnAsync(ConsentRecord consent, CancellationToken ct) =>
        IsOwn(consent, consent.Grantor == ConsentGrantor.Youth && await subjects.SignInOfAsync(consent.SubjectId, ct) == store.User.UserId ? consent.SubjectId : null);

    private bool IsOwn(ConsentRecord consent, string? ownYouthRecord) => consent.Grantor switch
    {
        ConsentGrantor.Mentor or ConsentGrantor.Self => consent.SubjectId == store.User.UserId,
        ConsentGrantor.Youth => ownYouthRecord is not null && consent.SubjectId == ownYouthRecord,
        _ => false,
    };

    public async ValueTask<IReadOnlyList<MyConsent>> Handle(ListMyConsents query, CancellationToken ct)
    {
        var own = await subjects.OwnYouthRecordAsync(ct);
        var records = await store.AllAsync<ConsentRecord>(ConsentRecord.Container, [Filter.In("subjectId", own is null ? [store.User.UserId] : [store.User.UserId, own])], ct);
        var mine = new List<MyConsent>();
        foreach (var c in records.Where(c => c.IsCurrent(store.Now) && IsOwn(c, own)).OrderByDescending(c => c.GrantedAt))
        {
            var proposedAt = c.MatchId is { } matchId ? await subjects.OpenMatchProposedAtAsync(matchId, ct) : null;
            if (c.MatchId is not null && proposedAt is null)
            {
                continue;
            }

            var what = c.PartnerAgencyId is { } partner ? await partners.DescribeAsync(partner, c.Kinds, ct) : scopes.Find(c.Scope)?.Words ?? c.Scope;
            mine.Add(new MyConsent(c.Id, c.Scope, what, c.GrantedAt, c.ExpiresAt, proposedAt));
        }

        return mine;
    }

    public async ValueTask<IReadOnlyList<ConsentView>> Handle(ListConsents query, CancellationToken ct)
    {
        var asAdmin = store.User.IsInRole(Roles.AgencyAdmin);
        if (asAdmin && await subjects.AdminMayReadAsync(query.SubjectId, ct))
        {
            // Whom a youth shares with (probation, a clinic) is their record too: the audit says why an admin read it.
            basis.Record(AccessBasis.AgencyAdministration);
        }
        else
        {
            try
            {
                await subjects.EnsureMayReadAsync(query.SubjectId, ct);
            }
            catch (NotFoundException) when (asAdmin)
            {
                // A youth kept from this admin answers as an id with no consents does: not as one they may not read.
                return [];
            }
        }

        var signIn = await subjects.SignInOfAsync(query.SubjectId, ct);
        var records = await store.AllAsync<ConsentRecord>(ConsentRecord.Container, [Filter.Eq("subjectId", query.SubjectId)], ct);
        // A mentor's yes to a match with a youth kept from this admin would date that match and name its mentor.
        var kept = asAdmin ? await subjects.MatchesKeptFromAdminAsync([.. records.Select(c => c.MatchId).OfType<string>().Distinct(StringComparer.Ordinal)], ct) : new HashSet<string>();
        return records.Where(c => c.MatchId is null || !kept.Contains(c.MatchId)).OrderByDescending(c => c.GrantedAt).Select(c => View(c, signIn)).ToList();
    }

    /// <summary>
    /// A consent people give for themselves is the registry's own business: only that person, in a role the
    /// scope names. Any other is the business of the feature that owns the subject.
    /// </summary>
    private Task<bool> EnsureMayRecordAsync(string subjectId, ConsentGrantor grantor, string? scopeName, CancellationToken ct)
    {
        if (grantor != ConsentGrantor.Self)
        {
            return subjects.EnsureMayRecordAsync(subjectId, grantor, ct);
        }

        var user = store.User;
        return subjectId == user.UserId && scopes.Find(scopeName)?.SelfGrantedBy is { } roles && roles.Any(user.IsInRole)
            ? Task.FromResult(true)
            : throw new NotFoundException("consent subject");
    }

    /// <summary>How many records one consent (a subject, grantor, scope, match and partner) takes in <see cref="MaxLikeWithin"/>.</summary>
    public const int MaxLike = 100;

    public static readonly TimeSpan MaxLikeWithin = TimeSpan.FromDays(30);

    /// <summary>Every consent like one: same subject, grantor, scope, match and partner.</summary>
    private async Task<List<ConsentRecord>> LikeAsync(string subjectId, ConsentGrantor grantor, string scope, string? matchId, string? partnerAgencyId, CancellationToken ct) =>
        [.. (await store.AllAsync<ConsentRecord>(ConsentRecord.Container, [Filter.Eq("subjectId", subjectId), Filter.Eq("scope", scope)], ct))
            .Where(c => c.Grantor == grantor && c.MatchId == matchId && c.PartnerAgencyId == partnerAgencyId)];

    /// <summary>
    /// Why a consent staff record goes beyond the subject's own latest one like it, if it does: kinds it left out, or
    /// an end later than the one they chose (so a consent of theirs that ran out is not renewed for them). Null when
    /// it does not, or they gave none.
    /// </summary>
    private static string? BeyondSubjectsOwn(IReadOnlyList<ConsentRecord> like, IReadOnlyList<string> kinds, DateTimeOffset? expiresAt)
    {
        if (like.Where(c => c.GivenBySubject).MaxBy(c => c.GrantedAt) is not { } own)
        {
            return null;
        }

        if (kinds.Except(own.Kinds, StringComparer.OrdinalIgnoreCase).ToList() is { Count: > 0 } left)
        {
            return $"The youth chose themselves not to share {string.Join(", ", left)} with this agency, so only they can share it.";
        }

        return own.ExpiresAt is { } end && (expiresAt is null || expiresAt > end)
            ? $"The youth chose themselves to share this until {end:yyyy-MM-dd}, so only they can share it for longer."
            : null;
    }

    private ConsentView View(ConsentRecord c) => View(c, null);

    private ConsentView View(ConsentRecord c, string? signIn) =>
        new(c.Id, c.SubjectId, c.Grantor, c.Scope, c.MatchId, c.GrantedAt, c.ExpiresAt, c.RevokedAt, c.RecordedBy, c.IsCurrent(store.Now), c.PartnerAgencyId, c.Kinds,
            c.GivenByThemselves(signIn), c.RecordedInError);
}
