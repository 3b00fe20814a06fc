using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using SurvivorConnect.Api.Features.Mentoring.Rules;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Api.Infrastructure.Tenancy;

namespace SurvivorConnect.Api.Features.Mentoring;

/// <summary>An episode as a case manager records it. How the youth returned is named once the episode has ended.</summary>
public sealed record MissingEpisodeRequest(DateTimeOffset? StartedAt, DateTimeOffset? EndedAt, bool? StayedInContact, string? HowReturned)
{
    public void Validate(ValidationErrors errors)
    {
        if (StartedAt is null)
        {
            errors.Add("startedAt", "Required.");
        }

        if (EndedAt is null && HowReturned is not null)
        {
            errors.Add("howReturned", "Record how the youth returned once the episode has ended.");
        }
        else if (EndedAt is not null)
        {
            errors.OneOf<ReturnRoute>("howReturned", HowReturned);
        }
    }
}

/// <summary>A youth's episodes, with the version of the youth's record a correction must name (If-Match).</summary>
public sealed record MissingEpisodesView(string YouthId, IReadOnlyList<MissingEpisode> Episodes, string? Version);

public sealed record RecordMissingEpisode(string YouthId, string EpisodeId, MissingEpisodeRequest Body) : ICommand<MissingEpisodesView>, IValidate, IAudited
{
    public AuditTarget Audit => new("youth.record-missing-episode", "youth", YouthId);

    public void Validate(ValidationErrors errors) => Body.Validate(errors);
}

public sealed record UpdateMissingEpisode(string YouthId, string EpisodeId, MissingEpisodeRequest Body, string? IfMatch) : ICommand<MissingEpisodesView>, IValidate, IAudited
{
    public AuditTarget Audit => new("youth.update-missing-episode", "youth", YouthId);

    public void Validate(ValidationErrors errors) => Body.Validate(errors);
}

public sealed record ListMissingEpisodes(string YouthId) : IQuery<MissingEpisodesView>, IAudited
{
    public AuditTarget Audit => new("youth.read-missing-episodes", "youth", YouthId);
}

internal sealed class MissingEpisodeHandlers(MentoringData data, IPublisher publisher)
    : ICommandHandler<RecordMissingEpisode, MissingEpisodesView>,
      ICommandHandler<UpdateMissingEpisode, MissingEpisodesView>,
      IQueryHandler<ListMissingEpisodes, MissingEpisodesView>
{
    public async ValueTask<MissingEpisodesView> Handle(RecordMissingEpisode command, CancellationToken ct)
    {
        var youth = await data.YouthForStaffAsync(command.YouthId, adminMayRead: false, ct);
        // The same form sent twice (a double tap, a resend after a lost answer) records one episode, and does again what
        // follows it; a correction goes by its own route, with the version it was made on.
        var view = youth.MissingEpisodes.Any(e => e.Id == command.EpisodeId)
            ? new MissingEpisodesView(youth.Id, youth.MissingEpisodes, youth.ETag)
            : await SaveAsync(youth, From(command.EpisodeId, command.Body), youth.ETag!, ct);

        // A youth missing now is hard news for whoever mentors them: they are asked to check in, as after a relapse. An
        // episode recorded after it ended asks nothing of anyone.
        if (view.Episodes.FirstOrDefault(e => e.Id == command.EpisodeId) is { EndedAt: null })
        {
            await publisher.FinishAsync(new YouthWentMissing(youth.Id));
        }

        return view;
    }

    // A correction names the version it was made on, so two case managers correcting one episode cannot lose either's change.
    public async ValueTask<MissingEpisodesView> Handle(UpdateMissingEpisode command, CancellationToken ct)
    {
        var ifMatch = command.IfMatch ?? throw new PreconditionRequiredException();
        var youth = await data.YouthForStaffAsync(command.YouthId, adminMayRead: false, ct);
        var recorded = youth.MissingEpisodes.FirstOrDefault(e => e.Id == command.EpisodeId) ?? throw new NotFoundException("episode");
        var episode = From(command.EpisodeId, command.Body) with
        {
            RecordedAt = recorded.RecordedAt,
            RecordedBy = recorded.RecordedBy,
            UpdatedAt = data.Now,
            UpdatedBy = data.User.UserId,
        };
        return await SaveAsync(youth, episode, ifMatch, ct);
    }

    public async ValueTask<MissingEpisodesView> Handle(ListMissingEpisodes query, CancellationToken ct)
    {
        var youth = await data.YouthForStaffAsync(query.YouthId, adminMayRead: true, ct);
        return new MissingEpisodesView(youth.Id, youth.MissingEpisodes, youth.ETag);
    }

    private MissingEpisode From(string episodeId, MissingEpisodeRequest body) =>
        new(episodeId, body.StartedAt!.Value, body.EndedAt, body.StayedInContact,
            body.HowReturned is null ? null : EnumNames.Parse<ReturnRoute>(body.HowReturned), data.Now, data.User.UserId);

    // Only the youth's own case managers write episodes. Like a relapse, an episode changes no match: the mentor keeps
    // the youth, and nobody outside the caseload is told.
    private async ValueTask<MissingEpisodesView> SaveAsync(YouthReferral youth, MissingEpisode episode, string ifMatch, CancellationToken ct)
    {
        var episodes = MissingEpisodeRules.Put(youth.MissingEpisodes, episode, youth.ReferredAt, data.Now);
        var saved = await data.Store.ReplaceAsync(YouthReferral.Container, youth with { MissingEpisodes = episodes }, ifMatch, ct);
        return new MissingEpisodesView(saved.Id, saved.MissingEpisodes, saved.ETag);
    }
}

public static class MissingEpisodeEndpoints
{
    public static IEndpointRouteBuilder MapMissingEpisodes(this IEndpointRouteBuilder app)
    {
        var episodes = app.MapGroup("/api/youth/{id}/missing-episodes").WithTags("Youth")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        episodes.MapPost("/", RecordMissingEpisode).WithName(nameof(RecordMissingEpisode))
            .RequireAuthorization(Policies.CaseManager).WithSummary("Record a missing-from-care episode in a youth's history. It is never a failure and never closes a match.");
        episodes.MapPut("/{episodeId}", UpdateMissingEpisode).WithName(nameof(UpdateMissingEpisode))
            .RequireAuthorization(Policies.CaseManager).ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status428PreconditionRequired)
            .WithSummary("Correct an episode, or record when it ended and how the youth returned; send If-Match with the version the list gave.");
        episodes.MapGet("/", ListMissingEpisodes).WithName(nameof(ListMissingEpisodes))
            .RequireAuthorization(Policies.CaseManagerOrAdmin).WithSummary("A youth's missing-from-care episodes, oldest first. Audited.");
        return app;
    }

    private static async Task<Created<MissingEpisodesView>> RecordMissingEpisode(IMediator mediator, string id, MissingEpisodeRequest body, HttpResponse response, CancellationToken ct)
    {
        var episodeId = AgencyStore.NewId();
        var view = WithETag(response, await mediator.Send(new RecordMissingEpisode(id, episodeId, body), ct));
        return TypedResults.Created($"/api/youth/{id}/missing-episodes/{episodeId}", view);
    }

    private static async Task<Ok<MissingEpisodesView>> UpdateMissingEpisode(
        IMediator mediator, string id, string episodeId, MissingEpisodeRequest body, [FromHeader(Name = "If-Match")] string? ifMatch, HttpResponse response, CancellationToken ct) =>
        TypedResults.Ok(WithETag(response, await mediator.Send(new UpdateMissingEpisode(id, episodeId, body, ifMatch), ct)));

    private static async Task<Ok<MissingEpisodesView>> ListMissingEpisodes(IMediator mediator, string id, HttpResponse response, CancellationToken ct) =>
        TypedResults.Ok(WithETag(response, await mediator.Send(new ListMissingEpisodes(id), ct)));

    private static MissingEpisodesView WithETag(HttpResponse response, MissingEpisodesView view)
    {
        response.Headers.ETag = view.Version;
        return view;
    }
}
