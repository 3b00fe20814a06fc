using System.Globalization;
using Mediator;
using SurvivorConnect.Api.Features.Consent;
using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Api.Features.Teaming.Rules;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Teaming;

public sealed record ProfessionalOffer(string? PersonId, string? Title);

public sealed record PartnershipRequest(string? PartnerAgencyId, string[]? Kinds, string? LegalBasis, DateTimeOffset? ExpiresAt, ProfessionalOffer[]? Professionals);

public sealed record ProfessionalsRequest(ProfessionalOffer[]? Professionals);

public sealed record PartnershipView(
    string Id, string OtherAgencyId, string OtherAgencyName, bool WeProposed, IReadOnlyList<RecordKind> Kinds, string LegalBasis,
    DateTimeOffset ExpiresAt, PartnershipState State, bool Current, bool AwaitingUs,
    IReadOnlyList<OfferedProfessional> OurProfessionals, IReadOnlyList<OfferedProfessional> TheirProfessionals)
{
    /// <summary>Our copy's version, for If-Match when changing whom we offer.</summary>
    public string Version { get; init; } = "";
}

public sealed record ProposePartnership(string PartnershipId, PartnershipRequest Body) : ICommand<PartnershipView>, IValidate, IAgencyAdminOnly, IAudited
{
    public const int MaxYears = 5;

    /// <summary>Days after a partnership with an agency ends before a new one can be proposed to it.</summary>
    public const int PauseDays = 7;

    public AuditTarget Audit => new("partnership.propose", "partnership", PartnershipId);

    public void Validate(ValidationErrors errors)
    {
        errors.Text("partnerAgencyId", Body.PartnerAgencyId, 128).Prose("legalBasis", Body.LegalBasis, 500);
        TeamingValidation.Kinds(errors, "kinds", Body.Kinds);
        TeamingValidation.Professionals(errors, Body.Professionals);
        if (Body.ExpiresAt is null)
        {
            errors.Add("expiresAt", "Required: a partnership ends on a date both agencies know.");
        }
    }
}

public sealed record AcceptPartnership(string PartnershipId, ProfessionalsRequest Body) : ICommand<PartnershipView>, IValidate, IAgencyAdminOnly, IAudited
{
    public AuditTarget Audit => new("partnership.accept", "partnership", PartnershipId);

    public void Validate(ValidationErrors errors) => TeamingValidation.Professionals(errors, Body.Professionals);
}

public sealed record SetOfferedProfessionals(string PartnershipId, ProfessionalsRequest Body, string? IfMatch = null) : ICommand<PartnershipView>, IValidate, IAgencyAdminOnly, IAudited
{
    public AuditTarget Audit => new("partnership.set-professionals", "partnership", PartnershipId);

    public void Validate(ValidationErrors errors) => TeamingValidation.Professionals(errors, Body.Professionals);
}

public sealed record EndPartnership(string PartnershipId) : ICommand<PartnershipView>, IAgencyAdminOnly, IAudited
{
    public AuditTarget Audit => new("partnership.end", "partnership", PartnershipId);
}

public sealed record ListPartnerships : IQuery<IReadOnlyList<PartnershipView>>, IAgencyAdminOnly, IAudited
{
    public AuditTarget Audit => new("partnership.list", "partnership");
}

/// <summary>
/// Partnerships between agencies. One admin proposes (kinds of record, legal basis, expiry), the other's admin
/// accepts; either ends it at once. Each agency writes its own copy first, so a change that fails half-way leaves
/// the copies disagreeing, and disagreeing copies share nothing.
/// </summary>
internal sealed class PartnershipHandlers(TeamingData data, PartnerNotices notices)
    : ICommandHandler<ProposePartnership, PartnershipView>,
      ICommandHandler<AcceptPartnership, PartnershipView>,
      ICommandHandler<SetOfferedProfessionals, PartnershipView>,
      ICommandHandler<EndPartnership, PartnershipView>,
      IQueryHandler<ListPartnerships, IReadOnlyList<PartnershipView>>,
      IPartnerSharing
{
    public async ValueTask<PartnershipView> Handle(ProposePartnership command, CancellationToken ct)
    {
        var body = command.Body;
        var partner = body.PartnerAgencyId!.Trim();
        if (partner == data.AgencyId)
        {
            throw new RequestValidationException("partnerAgencyId", "A partnership is with another agency, not your own.");
        }

        // At least as long as the pause: a proposal left to run out soon after would otherwise be a way round it.
        if (body.ExpiresAt < data.Now.AddDays(ProposePartnership.PauseDays) || body.ExpiresAt > data.Now.AddYears(ProposePartnership.MaxYears))
        {
            throw new RequestValidationException("expiresAt", $"A date at least {ProposePartnership.PauseDays} days and at most {ProposePartnership.MaxYears} years away.");
        }

        var partnerName = await data.Cross.AgencyNameAsync(partner, ct) ?? throw new RequestValidationException("partnerAgencyId", "No agency with that id is on SurvivorConnect.");
        var withPartner = (await data.PartnershipsAsync(ct)).Where(p => p.OtherAgencyId(data.AgencyId) == partner).ToList();
        if (withPartner.FirstOrDefault(p => p.Id == command.PartnershipId) is { } sent)
        {
            // Sent again: finished now if the other agency's copy could not be written the first time.
            if (sent.State == PartnershipState.Proposed && await data.Cross.OtherCopyAsync(sent, ct) is null)
            {
                await data.Cross.CreateOtherCopyAsync(sent, ct);
                await notices.ToAdminsAsync(partner, Notices.PartnershipProposed, ct);
                return await ViewAsync(sent, ct);
            }

            throw new ConflictException(ProposalSent);
        }

        if (withPartner.Any(p => p.State is PartnershipState.Proposed or PartnershipState.Active && p.ExpiresAt > data.Now))
        {
            throw new ConflictException("There is already a partnership with that agency, proposed or in force. End it first to agree new terms.");
        }

        // A pause after one ends, or after a proposal runs out unanswered, keeps an agency from proposing again and
        // again to flood the other's admins.
        if (withPartner.Max(p => p.EndedAt ?? (p.State == PartnershipState.Proposed && p.ExpiresAt <= data.Now ? p.ExpiresAt : null)) is { } ended
            && ended.AddDays(ProposePartnership.PauseDays) > data.Now)
        {
            throw new ConflictException(string.Create(CultureInfo.InvariantCulture,
                $"A partnership with that agency ended on {ended:d MMMM yyyy}. You can propose a new one from {ended.AddDays(ProposePartnership.PauseDays):d MMMM yyyy}."));
        }

        var ours = await OffersAsync(body.Professionals, ct);
        Partnership mine;
        try
        {
            mine = await CreateProposalAsync(command, partner, partnerName, ours, ct);
        }
        catch (StoreException ex) when (ex.IsAlreadyThere)
        {
            // The same proposal sent again at the same moment (a second tap): it was sent once.
            throw new ConflictException(ProposalSent);
        }

        await data.Cross.CreateOtherCopyAsync(mine, ct);
        await notices.ToAdminsAsync(partner, Notices.PartnershipProposed, ct);
        return await ViewAsync(mine, ct);
    }

    private const string ProposalSent = "This proposal has been sent.";

    private async Task<Partnership> CreateProposalAsync(ProposePartnership command, string partner, string partnerName, List<OfferedProfessional> ours, CancellationToken ct) =>
        await data.Store.CreateAsync(TeamingData.Container, new Partnership
        {
            Id = command.PartnershipId,
            ProposingAgencyId = data.AgencyId,
            ProposingAgencyName = await data.Cross.AgencyNameAsync(data.AgencyId, ct) ?? data.AgencyId,
            AcceptingAgencyId = partner,
            AcceptingAgencyName = partnerName,
            Kinds = ValidationErrors.Clean(command.Body.Kinds).Select(EnumNames.Parse<RecordKind>).Distinct().ToList(),
            LegalBasis = command.Body.LegalBasis!.Trim(),
            ExpiresAt = command.Body.ExpiresAt!.Value,
            State = PartnershipState.Proposed,
            ProposedAt = data.Now,
            ProposedBy = data.Me,
            Professionals = ours,
        }, ct);

    public async ValueTask<PartnershipView> Handle(AcceptPartnership command, CancellationToken ct)
    {
        var mine = await data.PartnershipAsync(command.PartnershipId, ct);
        if (mine.AcceptingAgencyId != data.AgencyId)
        {
            throw new ForbiddenException("The other agency's admin accepts a partnership your agency proposed.");
        }

        // Accepted again: finished now if the other agency's copy could not be written the first time, as a proposal sent
        // again is. Left half accepted, nothing would be shared, and neither side could propose anew without ending it
        // and waiting out the pause.
        var unfinished = mine is { State: PartnershipState.Active, AcceptedAt: not null } ? await data.Cross.OtherCopyAsync(mine, ct) : null;
        if (mine.State != PartnershipState.Proposed && unfinished?.State != PartnershipState.Proposed)
        {
            throw new ConflictException($"This partnership is {mine.State.ToString().ToLowerInvariant()}, not waiting to be accepted.");
        }

        if (mine.ExpiresAt <= data.Now)
        {
            throw new ConflictException("This proposal has passed its expiry date. Ask the other agency to propose again.");
        }

        if (unfinished is not null)
        {
            return await AcceptedBothAsync(mine, await FinishAcceptAsync(mine, unfinished, ct), ct);
        }

        var other = await data.Cross.OtherCopyAsync(mine, ct);
        if (other is not { State: PartnershipState.Proposed })
        {
            throw new ConflictException("The other agency has withdrawn this proposal.");
        }

        // Two proposals crossed (each agency proposed to the other at once): one partnership in force at a time, so
        // ending it ends the sharing.
        if ((await data.PartnershipsAsync(ct)).Any(p => p.Id != mine.Id && p.OtherAgencyId(data.AgencyId) == mine.ProposingAgencyId && p.IsCurrent(data.Now)))
        {
            throw new ConflictException("There is already a partnership in force with that agency. End it first to agree new terms.");
        }

        var offers = await OffersAsync(command.Body.Professionals, ct);
        var accepted = await data.Store.ReplaceAsync(TeamingData.Container, Accepted(mine, offers), mine.ETag!, ct);
        await data.Cross.ReplaceOtherCopyAsync(Accepted(other, offers), ct);
        return await AcceptedBothAsync(mine, accepted, ct);
    }

    /// <summary>
    /// Writes the other agency's copy of a partnership accepted here, with the offer as this agency's copy holds it (one
    /// changed since goes through whom we offer, which asks for the version it was read at, and takes those no longer
    /// offered off their teams) and the other agency's offer as their own copy has it now (they may have changed it
    /// meanwhile): ours too, so both copies hold the same.
    /// </summary>
    private async Task<Partnership> FinishAcceptAsync(Partnership mine, Partnership unfinished, CancellationToken ct)
    {
        var ours = mine.Professionals.Where(p => p.AgencyId == data.AgencyId).ToList();
        var theirs = unfinished.Professionals.Where(p => p.AgencyId != data.AgencyId).ToList();
        var accepted = mine.Professionals.ToHashSet().SetEquals([.. ours, .. theirs])
            ? mine
            : await data.Store.ReplaceAsync(TeamingData.Container, mine with { Professionals = [.. theirs, .. ours] }, mine.ETag!, ct);
        await data.Cross.ReplaceOtherCopyAsync(unfinished with
        {
            State = PartnershipState.Active, AcceptedAt = mine.AcceptedAt, AcceptedBy = mine.AcceptedBy, Professionals = [.. theirs, .. ours],
        }, ct);
        return accepted;
    }

    /// <summary>What follows a partnership accepted on both sides: crossed proposals settled, and the proposing agency told.</summary>
    private async Task<PartnershipView> AcceptedBothAsync(Partnership mine, Partnership accepted, CancellationToken ct)
    {
        // Crossed proposals accepted by both agencies at the same moment each passed the check above: read again once
        // written, one of them stands and the other ends, whichever side notices. Which stands is decided by what both
        // copies of each hold alike (the first proposed, then the lower id), so both sides choose the same one.
        if ((await data.PartnershipsAsync(ct)).Where(p => p.OtherAgencyId(data.AgencyId) == mine.ProposingAgencyId && p.IsCurrent(data.Now))
                .OrderBy(p => p.ProposedAt).ThenBy(p => p.Id, StringComparer.Ordinal).ToList() is [var stands, .. var crossed] && crossed.Count > 0)
        {
            foreach (var loser in crossed)
            {
                try
                {
                    await EndAsync(loser, ct);
                }
                catch (StoreException ex) when (ex.Kind == StoreErrorKind.PreconditionFailed)
                {
                    // The other side ended it meanwhile, as it noticed too.
                }
            }

            if (stands.Id != accepted.Id)
            {
                throw new ConflictException("The other agency accepted your proposal to it at the same moment, so that partnership is the one in force. This one has ended.");
            }
        }

        await notices.ToAdminsAsync(mine.ProposingAgencyId, Notices.PartnershipAccepted, ct);
        return await ViewAsync(accepted, ct);
    }

    public async ValueTask<PartnershipView> Handle(SetOfferedProfessionals command, CancellationToken ct)
    {
        var mine = await data.PartnershipAsync(command.PartnershipId, ct);
        if (mine.State is PartnershipState.Ended or PartnershipState.Declined)
        {
            throw new ConflictException("This partnership has ended.");
        }

        var other = await data.Cross.OtherCopyAsync(mine, ct);
        if (other is null || other.State is PartnershipState.Ended or PartnershipState.Declined)
        {
            throw new ConflictException("The other agency has ended this partnership.");
        }

        // Named, never assumed: a list read before another admin took someone off would put them back, and with them
        // their reading of every team they were on.
        var ifMatch = command.IfMatch ?? throw new PreconditionRequiredException();
        StoreException.ThrowIfChangedSince(ifMatch, mine.ETag);
        var offers = await OffersAsync(command.Body.Professionals, ct);

        // Someone no longer offered reads nothing of the other agency's youth (the read gate asks for the offer), so
        // they leave those teams now, before the offer changes: listed there still, they would look to the youth and
        // the team as if they were on it, and an end of the partnership, which goes by the offer, would never find them.
        var otherAgency = mine.OtherAgencyId(data.AgencyId);
        foreach (var person in mine.Professionals.Where(p => p.AgencyId == data.AgencyId && !offers.Any(o => o.PersonId == p.PersonId)).Select(p => p.PersonId))
        {
            await TakeOffTheirTeamsAsync(person, otherAgency, "no longer offered by their agency", ct);
        }

        var changed = await data.Store.ReplaceAsync(TeamingData.Container, Offering(mine, offers), ifMatch, ct);
        await data.Cross.ReplaceOtherCopyAsync(Offering(other, offers), ct);
        if (!mine.Professionals.Where(p => p.AgencyId == data.AgencyId).ToHashSet().SetEquals(offers))
        {
            await notices.ToAdminsStandingAsync(otherAgency, Notices.PartnerOfferChanged, $"{Notices.PartnerOfferChanged.Kind}~{other.Id}", changed.ETag!, ct);
        }
        return await ViewAsync(changed, ct);
    }

    public async ValueTask<PartnershipView> Handle(EndPartnership command, CancellationToken ct)
    {
        var mine = await data.PartnershipAsync(command.PartnershipId, ct);
        if (mine.State is PartnershipState.Ended or PartnershipState.Declined)
        {
            // A repeat of an end that failed after this copy was written finishes what it left: the teams, then the other
            // agency's copy, which would otherwise stay in force there (its admins untold, unable to propose anew).
            await TakeOffOurTeamsAsync(mine, ct);
            if (mine.EndedByAgencyId == data.AgencyId)
            {
                await EndOtherCopyAsync(mine, ct);
            }

            throw new ConflictException("This partnership has already ended.");
        }

        return await ViewAsync(await EndAsync(mine, ct), ct);
    }

    /// <summary>Ends (or declines, if it waits for this agency) a partnership as this agency's copy was read.</summary>
    private async Task<Partnership> EndAsync(Partnership mine, CancellationToken ct)
    {
        // Our copy first: from this write on, nothing is shared, whatever becomes of the other agency's copy. Then the
        // teams (their pages redrawn), so that no removed partner stays listed on a youth's team while the other agency's
        // copy, which its admins may be changing too, cannot be written.
        var state = mine.State == PartnershipState.Proposed && mine.AcceptingAgencyId == data.AgencyId ? PartnershipState.Declined : PartnershipState.Ended;
        var ended = await data.Store.ReplaceAsync(TeamingData.Container,
            mine with { State = state, EndedAt = data.Now, EndedBy = data.Me, EndedByAgencyId = data.AgencyId }, mine.ETag!, ct);
        await TakeOffOurTeamsAsync(mine, ct);
        await EndOtherCopyAsync(ended, ct);
        return ended;
    }

    /// <summary>The other agency's copy, while still proposed or in force, ended as this agency's was, and its admins told.</summary>
    private async Task EndOtherCopyAsync(Partnership ended, CancellationToken ct)
    {
        if (await data.Cross.OtherCopyAsync(ended, ct) is { State: PartnershipState.Proposed or PartnershipState.Active } other)
        {
            await data.Cross.ReplaceOtherCopyAsync(other with { State = ended.State, EndedAt = ended.EndedAt, EndedBy = ended.EndedBy, EndedByAgencyId = ended.EndedByAgencyId }, ct);
            await notices.ToAdminsAsync(other.AgencyId, Notices.PartnershipEnded, ct);
        }
    }

    /// <summary>
    /// Each agency's professionals leave the other's youth's teams, as the admin who ended the partnership was told:
    /// the other agency's come off this agency's teams, and this agency's come off the other's teams and no longer
    /// list its youth. A seat is what a read starts from, so none is left to read again under a later partnership
    /// unless a case manager adds them again. Only for a partnership that was in force, and never while another is
    /// (one that ran out and was agreed anew, then ended to tidy up): its members stay, and any added under the old
    /// one read nothing under the new.
    /// </summary>
    private async Task TakeOffOurTeamsAsync(Partnership mine, CancellationToken ct)
    {
        var other = mine.OtherAgencyId(data.AgencyId);
        if (mine.AcceptedAt is null || await data.CurrentPartnershipWithAsync(other, ct) is not null)
        {
            return;
        }

        foreach (var person in mine.Professionals.Where(p => p.AgencyId == data.AgencyId).Select(p => p.PersonId).Distinct(StringComparer.Ordinal))
        {
            await TakeOffTheirTeamsAsync(person, other, Ended, ct);
        }

        foreach (var seat in await data.Cross.SeatsOnOurTeamsAsync(mine, ct))
        {
            await data.Cross.TakeOffTeamAsync(seat, Ended, ct);
            await data.Cross.UnseatAsync(seat.AgencyId, seat.Id, ct);
        }
    }

    private const string Ended = "partnership ended";

    /// <summary>One of this agency's professionals leaves every team of <paramref name="otherAgencyId"/>'s youth, seat and all.</summary>
    private async Task TakeOffTheirTeamsAsync(string personId, string otherAgencyId, string why, CancellationToken ct)
    {
        foreach (var ours in (await data.Store.AllAsync<TeamSeat>(TeamingData.Container, [Filter.Eq("personId", personId)], ct)).Where(s => s.SourceAgencyId == otherAgencyId))
        {
            await data.Cross.TakeOffTeamAsync(ours, why, ct);
            await data.Store.DeleteAsync(TeamingData.Container, ours.Id, data.AgencyId, null, ct);
        }
    }

    public async ValueTask<IReadOnlyList<PartnershipView>> Handle(ListPartnerships query, CancellationToken ct)
    {
        var views = new List<PartnershipView>();
        foreach (var partnership in (await data.PartnershipsAsync(ct)).OrderByDescending(p => p.ProposedAt))
        {
            views.Add(await ViewAsync(partnership, ct));
        }

        return views;
    }

    public async Task<IReadOnlyList<string>> EnsureMayShareAsync(string partnerAgencyId, IReadOnlyList<string> kinds, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        TeamingValidation.Kinds(errors, "kinds", [.. kinds]);
        if (errors.Any)
        {
            throw new RequestValidationException(errors.ToDictionary());
        }

        var partnership = await data.CurrentPartnershipWithAsync(partnerAgencyId, ct)
            ?? throw new RequestValidationException("partnerAgencyId", "Your agency has no partnership in force with that agency, so nothing can be shared with it.");
        var asked = kinds.Select(EnumNames.Parse<RecordKind>).Distinct().ToList();
        var outside = asked.Where(k => !partnership.Kinds.Contains(k)).ToList();
        return outside.Count > 0
            ? throw new RequestValidationException("kinds", $"The partnership does not share {string.Join(", ", outside)}.")
            : [.. asked.Select(k => k.ToString())];
    }

    public async Task<string> DescribeAsync(string partnerAgencyId, IReadOnlyList<string> kinds, CancellationToken ct)
    {
        var name = (await data.PartnershipsAsync(ct)).FirstOrDefault(p => p.OtherAgencyId(data.AgencyId) == partnerAgencyId)?.OtherAgencyName(data.AgencyId);
        return $"To share {SharingRules.Words(kinds)} with {name ?? "another agency"}";
    }

    private Partnership Accepted(Partnership copy, IReadOnlyList<OfferedProfessional> offers) =>
        Offering(copy, offers) with { State = PartnershipState.Active, AcceptedAt = data.Now, AcceptedBy = data.Me };

    /// <summary>A copy with the caller's agency's offer replaced and the other agency's kept as that copy has it.</summary>
    private Partnership Offering(Partnership copy, IReadOnlyList<OfferedProfessional> offers) =>
        copy with { Professionals = [.. copy.Professionals.Where(p => p.AgencyId != data.AgencyId), .. offers] };

    /// <summary>The professionals an admin offers: active people of their own agency who sit on teams.</summary>
    private async Task<List<OfferedProfessional>> OffersAsync(ProfessionalOffer[]? offers, CancellationToken ct)
    {
        var result = new List<OfferedProfessional>();
        foreach (var offer in offers ?? [])
        {
            var person = await data.ActivePersonAsync(offer.PersonId!, ct);
            if (person is null || !person.Roles.Any(Roles.SitsOnTeams))
            {
                throw new RequestValidationException("professionals", "Offer active case managers, supervisors or partner professionals of your agency.");
            }

            result.Add(new OfferedProfessional(data.AgencyId, person.Id, person.DisplayName, offer.Title!.Trim()));
        }

        return result.DistinctBy(p => p.PersonId).ToList();
    }

    private async Task<PartnershipView> ViewAsync(Partnership p, CancellationToken ct)
    {
        var us = data.AgencyId;
        var current = p.IsCurrent(data.Now) && await data.Cross.BothCurrentAsync(p, ct);
        var state = p.State == PartnershipState.Active && p.ExpiresAt <= data.Now ? PartnershipState.Ended : p.State;
        // Accepted here, the other agency's copy not yet: accepted again to finish it.
        var unfinished = !current && p is { State: PartnershipState.Active, AcceptedAt: not null } && p.AcceptingAgencyId == us && p.ExpiresAt > data.Now
            && await data.Cross.OtherCopyAsync(p, ct) is { State: PartnershipState.Proposed };
        return new PartnershipView(p.Id, p.OtherAgencyId(us), p.OtherAgencyName(us), p.ProposingAgencyId == us, p.Kinds, p.LegalBasis, p.ExpiresAt,
            state, current, (p.State == PartnershipState.Proposed || unfinished) && p.AcceptingAgencyId == us && p.ExpiresAt > data.Now,
            [.. p.Professionals.Where(o => o.AgencyId == us)], [.. p.Professionals.Where(o => o.AgencyId != us)])
        {
            Version = p.ETag ?? "",
        };
    }

}
