using System.Security.Cryptography;
using Mediator;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.HttpResults;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Audit;

public sealed record AuditEntryView(
    string Id, DateTimeOffset At, string ActorId, IReadOnlyList<string> ActorRoles, string Action,
    string RecordType, string? RecordId, string? Purpose, string? Basis, AuditOutcome Outcome, string? TraceId, string? ActorAgencyId);

/// <summary>Dates are whole UTC days: <paramref name="From"/> and <paramref name="To"/> both count.</summary>
public sealed record ListAuditEntries(
    string? RecordType, string? RecordId, string? ActorId, int PageSize, string? ContinuationToken,
    string? Action = null, DateOnly? From = null, DateOnly? To = null)
    : IQuery<Page<AuditEntryView>>, IValidate, IAgencyAdminOnly, IAudited
{
    public AuditTarget Audit => new("audit.list", "audit", RecordId);

    public void Validate(ValidationErrors errors)
    {
        errors.Text("recordType", RecordType, 50, required: false);
        errors.Text("recordId", RecordId, 255, required: false);
        errors.Text("actorId", ActorId, 128, required: false);
        errors.Text("action", Action, 80, required: false);
        if (From is { } from && To is { } to && to < from)
        {
            errors.Add("to", "On or after the start date.");
        }

        Paging.Validate(errors, PageSize);
    }
}

internal sealed class ListAuditEntriesHandler(IAuditLog audit, ICurrentUser user, IAuditKeptFromAdmin keptFromAdmin, IDataProtectionProvider protection)
    : IQueryHandler<ListAuditEntries, Page<AuditEntryView>>
{
    public async ValueTask<Page<AuditEntryView>> Handle(ListAuditEntries query, CancellationToken cancellationToken)
    {
        // Sealed for this reader and these filters: the store makes a token from the last entry it read, which may be one
        // kept from them, and neither its time and id, nor where it lies among other entries (its token sent with other
        // filters), are theirs to read.
        var tokens = protection.CreateProtector("SurvivorConnect.AuditPageToken", user.AgencyId, user.UserId, query.RecordType ?? "", query.RecordId ?? "",
            query.ActorId ?? "", query.Action ?? "", FormattableString.Invariant($"{query.From:O}"), FormattableString.Invariant($"{query.To:O}"));
        var filter = new AuditFilter(
            query.RecordType, query.RecordId, query.ActorId, query.PageSize, query.ContinuationToken is { } sealedToken ? Unseal(tokens, sealedToken) : null, query.Action,
            StartOf(query.From), StartOf(query.To is { } to && to < DateOnly.MaxValue ? to.AddDays(1) : null));
        var kept = await keptFromAdmin.KeptAsync(cancellationToken);

        // Answered at once, as for an id with no entries: read on through them, the time the answer took would count them.
        if (kept.HidesEvery(query.ActorId, query.RecordId))
        {
            return new Page<AuditEntryView>([], null);
        }

        // Where kept entries lie shows neither in a page short of what was asked for, with more to come, nor in a next
        // page with nothing on it; a long kept trail costs a request a bounded number of reads.
        var page = await Paging.ReadPastAsync(query.PageSize, filter.ContinuationToken,
            (size, token) => audit.ListAsync(user.AgencyId, filter with { ContinuationToken = token, PageSize = size }, cancellationToken),
            entries => Task.FromResult(entries.Where(e => !kept.Hides(e))));

        return new Page<AuditEntryView>(
            [.. page.Items.Select(e => new AuditEntryView(e.Id, e.At, e.ActorId, e.ActorRoles, e.Action, e.RecordType, e.RecordId, e.Purpose, e.Basis, e.Outcome, e.TraceId, e.ActorAgencyId))],
            page.ContinuationToken is { } last ? tokens.Protect(last) : null);
    }

    private static string Unseal(IDataProtector tokens, string sealedToken)
    {
        try
        {
            return tokens.Unprotect(sealedToken);
        }
        catch (CryptographicException ex)
        {
            throw new StoreException(StoreErrorKind.InvalidQuery, "The continuation token was not made for this list.", ex);
        }
    }

    private static DateTimeOffset? StartOf(DateOnly? day) =>
        day is { } d ? new DateTimeOffset(d.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : null;
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
            .WithSummary("Your agency's audit log, newest first; filter by record, user, action or dates (whole UTC days).")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        return app;
    }

    private static async Task<Ok<Page<AuditEntryView>>> List(
        IMediator mediator, string? recordType, string? recordId, string? actorId, string? action, DateOnly? from, DateOnly? to,
        int? pageSize, string? continuationToken, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(
            new ListAuditEntries(recordType, recordId, actorId, pageSize ?? Paging.DefaultPageSize, continuationToken, action, from, to), ct));
}
