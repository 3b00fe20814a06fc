using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SurvivorConnect.Api.Features.Consent;
using SurvivorConnect.Api.Features.Mentoring.Rules;
using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Api.Infrastructure.Tenancy;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Mentoring;

public sealed record ConsentRequest(string? SubjectId, string? Grantor, string? Scope, string? MatchId, DateTimeOffset? ExpiresAt);

public sealed record ConsentView(string Id, string SubjectId, ConsentGrantor Grantor, string Scope, string? MatchId, DateTimeOffset GrantedAt,
    DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt, string RecordedBy, bool Current);

public sealed record GrantConsent(string ConsentId, ConsentRequest Body) : ICommand<ConsentView>, IValidate, IAudited
{
    public AuditTarget Audit => new("consent.grant", "consent", ConsentId);

    public void Validate(ValidationErrors errors)
    {
        errors.Text("subjectId", Body.SubjectId, 128).Text("matchId", Body.MatchId, 128, required: false);
        errors.OneOf<ConsentGrantor>("grantor", Body.Grantor);

        if (Body.Scope is null || !ConsentScopes.All.Contains(Body.Scope))
        {
            errors.Add("scope", $"One of: {string.Join(", ", ConsentScopes.All)}.");
        }
        else if (Body.Scope == ConsentScopes.MentoringMatch && string.IsNullOrWhiteSpace(Body.MatchId))
        {
            errors.Add("matchId", "Consent to a match names the match.");
        }
    }
}

public sealed record RevokeConsent(string ConsentId) : ICommand<ConsentView>, IAudited
{
    public AuditTarget Audit => new("consent.revoke", "consent", ConsentId);
}

public sealed record ListConsents(string SubjectId) : IQuery<IReadOnlyList<ConsentView>>, IAudited
{
    public AuditTarget Audit => new("consent.list", "consent", SubjectId);
}

/// <summary>
/// The consent registry. Mentors and youth grant and revoke their own consent; a case manager records
/// consent given by (or for) a youth on their caseload. Revocation takes effect at once: every check
/// reads the registry (see <see cref="MatchConsentGuard"/>).
/// </summary>
internal sealed class ConsentHandlers(MentoringData data, Notifier notifier, IPublisher publisher)
    : ICommandHandler<GrantConsent, ConsentView>,
      ICommandHandler<RevokeConsent, ConsentView>,
      IQueryHandler<ListConsents, IReadOnlyList<ConsentView>>
{
    public async ValueTask<ConsentView> Handle(GrantConsent command, CancellationToken ct)
    {
        var body = command.Body;
        var grantor = EnumNames.Parse<ConsentGrantor>(body.Grantor);
        await EnsureMayRecordAsync(body.SubjectId!, grantor, ct);
        if (body.ExpiresAt is { } expires && expires <= data.Now)
        {
            throw new RequestValidationException(new Dictionary<string, string[]> { ["expiresAt"] = ["Must be in the future."] });
        }

        if (body.Scope == ConsentScopes.Mentoring && grantor != ConsentGrantor.Mentor)
        {
            throw new RequestValidationException(new Dictionary<string, string[]> { ["grantor"] = ["Only a mentor consents to mentoring."] });
        }

        if (body.MatchId is not null)
        {
            var match = await data.MatchAsync(body.MatchId, ct);
            if (match.YouthId != body.SubjectId && match.MentorId != body.SubjectId)
            {
                throw new NotFoundException("match");
            }
        }

        var consent = await data.Store.CreateAsync(ConsentRecord.Container, new ConsentRecord
        {
            Id = command.ConsentId,
            PartitionKey = data.AgencyId,
            AgencyId = data.AgencyId,
            SubjectId = body.SubjectId!,
            Grantor = grantor,
            Scope = body.Scope!,
            MatchId = body.MatchId,
            GrantedAt = data.Now,
            ExpiresAt = body.ExpiresAt,
            RecordedBy = data.User.UserId,
        }, ct);
        if (consent.MatchId is { } matchId)
        {
            await publisher.Publish(new MatchChanged(matchId, Activated: false), ct);
        }

        return View(consent);
    }

    public async ValueTask<ConsentView> Handle(RevokeConsent command, CancellationToken ct)
    {
        var consent = await data.FindAsync<ConsentRecord>(ConsentRecord.Container, command.ConsentId, ct) ?? throw new NotFoundException("consent");
        await EnsureMayRecordAsync(consent.SubjectId, consent.Grantor, ct);
        if (consent.RevokedAt is not null)
        {
            throw new ConflictException("This consent was already revoked.");
        }

        var revoked = await data.Store.ReplaceAsync(ConsentRecord.Container, consent with { RevokedAt = data.Now }, consent.ETag!, ct);
        if (revoked.MatchId is { } changedMatch)
        {
            await publisher.Publish(new MatchChanged(changedMatch, Activated: false), ct);
        }

        if (revoked.MatchId is { } matchId && await data.Store.ReadAsync<Match>(Match.Container, matchId, data.AgencyId, ct) is { } match && MatchLifecycle.IsOpen(match.State))
        {
            await notifier.SendAsync([match.CaseManagerId], Notices.ConsentRevokedToCaseManager, match.Id, ct);
        }

        return View(revoked);
    }

    public async ValueTask<IReadOnlyList<ConsentView>> Handle(ListConsents query, CancellationToken ct)
    {
        if (!data.User.IsInRole(Roles.AgencyAdmin))
        {
            await EnsureMayReadAsync(query.SubjectId, ct);
        }

        return (await data.ConsentsAsync(Filter.Eq("subjectId", query.SubjectId), ct)).OrderByDescending(c => c.GrantedAt).Select(View).ToList();
    }

    /// <summary>Who may grant or revoke consent about a subject, as which grantor. Anyone else: not found.</summary>
    private async Task EnsureMayRecordAsync(string subjectId, ConsentGrantor grantor, CancellationToken ct)
    {
        var user = data.User;
        if (grantor == ConsentGrantor.Mentor)
        {
            if (user.IsInRole(Roles.Mentor) && subjectId == user.UserId)
            {
                return;
            }

            throw new NotFoundException("consent subject");
        }

        var youth = await data.YouthAsync(subjectId, ct);
        var isTheYouth = user.IsInRole(Roles.Youth) && youth.PersonId == user.UserId && grantor == ConsentGrantor.Youth;
        if (!isTheYouth && !data.IsCaseManagerOf(youth))
        {
            throw new NotFoundException("consent subject");
        }
    }

    private async Task EnsureMayReadAsync(string subjectId, CancellationToken ct)
    {
        if (subjectId == data.User.UserId)
        {
            return;
        }

        var youth = await data.YouthAsync(subjectId, ct);
        if (youth.PersonId != data.User.UserId && !data.IsCaseManagerOf(youth))
        {
            throw new NotFoundException("consent subject");
        }
    }

    private ConsentView View(ConsentRecord c) =>
        new(c.Id, c.SubjectId, c.Grantor, c.Scope, c.MatchId, c.GrantedAt, c.ExpiresAt, c.RevokedAt, c.RecordedBy, c.IsCurrent(data.Now));
}

public static class ConsentEndpoints
{
    public static IEndpointRouteBuilder MapConsents(this IEndpointRouteBuilder app)
    {
        var consents = app.MapGroup("/api/consents").WithTags("Consent").RequireAuthorization(Policies.MatchParticipant)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        consents.MapPost("/", GrantConsent).WithName(nameof(GrantConsent))
            .WithSummary("Record a consent: your own, or one a youth on your caseload (or their guardian or agency) gave.");
        consents.MapPost("/{id}/revoke", RevokeConsent).WithName(nameof(RevokeConsent))
            .WithSummary("Withdraw a consent; it takes effect at once.");
        consents.MapGet("/", ListConsents).WithName(nameof(ListConsents))
            .WithSummary("Consents about a subject: yourself, or a youth on your caseload.");
        return app;
    }

    private static async Task<Created<ConsentView>> GrantConsent(IMediator mediator, ConsentRequest body, CancellationToken ct)
    {
        var consent = await mediator.Send(new GrantConsent(AgencyStore.NewId(), body), ct);
        return TypedResults.Created($"/api/consents/{consent.Id}", consent);
    }

    private static async Task<Ok<ConsentView>> RevokeConsent(IMediator mediator, string id, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new RevokeConsent(id), ct));

    private static async Task<Ok<IReadOnlyList<ConsentView>>> ListConsents(IMediator mediator, string subjectId, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListConsents(subjectId), ct));
}
