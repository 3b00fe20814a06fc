using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Audit;

public sealed record AuditEntryView(
    string Id, DateTimeOffset At, string ActorId, IReadOnlyList<string> ActorRoles, string Action,
    string RecordType, string? RecordId, string? Purpose, AuditOutcome Outcome, string? TraceId);

public sealed record ListAuditEntries(string? RecordType, string? RecordId, string? ActorId, int PageSize, string? ContinuationToken)
    : IQuery<Page<AuditEntryView>>, IValidate, IAudited
{
    public AuditTarget Audit => new("audit.list", "audit", RecordId);

    public void Validate(ValidationErrors errors)
    {
        errors.Text("recordType", RecordType, 50, required: false);
        errors.Text("recordId", RecordId, 255, required: false);
        errors.Text("actorId", ActorId, 128, required: false);
        Paging.Validate(errors, PageSize);
    }
}

internal sealed class ListAuditEntriesHandler(IAuditLog audit, ICurrentUser user) : IQueryHandler<ListAuditEntries, Page<AuditEntryView>>
{
    public async ValueTask<Page<AuditEntryView>> Handle(ListAuditEntries query, CancellationToken cancellationToken)
    {
        var page = await audit.ListAsync(user.AgencyId, new AuditFilter(query.RecordType, query.RecordId, query.ActorId, query.PageSize, query.ContinuationToken), cancellationToken);
        return new Page<AuditEntryView>(
            page.Items.Select(e => new AuditEntryView(e.Id, e.At, e.ActorId, e.ActorRoles, e.Action, e.RecordType, e.RecordId, e.Purpose, e.Outcome, e.TraceId)).ToList(),
            page.ContinuationToken);
    }
}

/// <summary>The append-only audit log: every feature writes to it through <see cref="IAuditLog"/>; admins read it.</summary>
public static class AuditModule
{
    public static WebApplicationBuilder AddAudit(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddContainer(AuditEntry.Container);
        builder.Services.AddSingleton<IAuditLog, AuditLog>();
        return builder;
    }

    /// <summary>Read-only by design: the audit log has no endpoint that changes or deletes an entry.</summary>
    public static IEndpointRouteBuilder MapAudit(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/audit", List).WithName("ListAuditEntries")
            .RequireAuthorization(Policies.AgencyAdmin)
            .WithTags("Audit")
            .WithSummary("Your agency's audit log, newest first; filter by record or by user.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        return app;
    }

    private static async Task<Ok<Page<AuditEntryView>>> List(
        IMediator mediator, string? recordType, string? recordId, string? actorId, int? pageSize, string? continuationToken, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListAuditEntries(recordType, recordId, actorId, pageSize ?? Paging.DefaultPageSize, continuationToken), ct));
}
