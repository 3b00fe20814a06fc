using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SurvivorConnect.Api.Features.Payouts.Rules;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Payouts;

/// <summary>
/// A payee owed money who can no longer set up payment themselves, and what is still missing before they can be paid.
/// </summary>
public sealed record PayeeNeedingSetup(string PersonId, string? Name, bool BenefitsNoticeSeen, PayeeMethod? Method);

/// <summary>
/// Payees with a payout waiting for approval who cannot set up payment themselves (deactivated, or no longer an advisor
/// or mentor) and have not, or chose Stripe and cannot finish its setup now: work done is paid whatever became of the
/// person's access.
/// </summary>
public sealed record ListPayeesNeedingSetup : IQuery<IReadOnlyList<PayeeNeedingSetup>>, IAudited
{
    public AuditTarget Audit => new("payee.list-needing-setup", "payee-account");
}

public sealed record PayeeSetupRequest(string? Method, bool? NoticeGiven);

/// <summary>
/// Finance records, for such a payee, that they told them payments may affect public benefits and how the payee chose
/// to be paid (a check or a prepaid card: Stripe needs the payee's own onboarding).
/// </summary>
public sealed record RecordPayeeSetup(string PersonId, PayeeSetupRequest Body) : ICommand<PayeeNeedingSetup>, IValidate, IAudited
{
    public AuditTarget Audit => new("payee.setup-recorded", "payee-account", PersonId);

    public void Validate(ValidationErrors errors)
    {
        errors.OneOf<PayeeMethod>("method", Body.Method);
        if (Body.Method is { } method && EnumNames.TryParse(method, out PayeeMethod chosen) && chosen == PayeeMethod.Stripe)
        {
            errors.Add("method", "Stripe needs the payee's own onboarding: choose a check or a prepaid card.");
        }

        if (Body.NoticeGiven != true)
        {
            errors.Add("noticeGiven", "Tell them first that payments may count as income for public benefits.");
        }
    }
}

internal sealed class PayeeSetupHandlers(PayoutData data)
    : IQueryHandler<ListPayeesNeedingSetup, IReadOnlyList<PayeeNeedingSetup>>,
      ICommandHandler<RecordPayeeSetup, PayeeNeedingSetup>
{
    public async ValueTask<IReadOnlyList<PayeeNeedingSetup>> Handle(ListPayeesNeedingSetup query, CancellationToken ct)
    {
        var owed = (await data.PayoutsAsync([Filter.Eq("state", PayoutState.Pending)], ct)).Select(p => p.PayeeId).Distinct(StringComparer.Ordinal).ToList();
        var accounts = await data.AccountsAsync(owed, ct);
        var people = await data.Store.ManyAsync<Person>(Person.Container, owed, ct);
        return [.. people.Where(p => !SetsUpThemselves(p))
            .Select(p => (Person: p, Account: accounts.GetValueOrDefault(p.Id)))
            .Where(p => p.Account is not { BenefitsNoticeSeenAt: not null, Method: not null } || p.Account is { Method: PayeeMethod.Stripe, StripeReady: false })
            .Select(p => new PayeeNeedingSetup(p.Person.Id, p.Person.DisplayName, p.Account?.BenefitsNoticeSeenAt is not null, p.Account?.Method))
            .OrderBy(p => p.Name, StringComparer.CurrentCultureIgnoreCase)];
    }

    public async ValueTask<PayeeNeedingSetup> Handle(RecordPayeeSetup command, CancellationToken ct)
    {
        var person = await data.Store.FindAsync<Person>(Person.Container, command.PersonId, ct) ?? throw new NotFoundException("person");
        if (person.Id == data.Store.User.UserId)
        {
            throw new ForbiddenException("This is your own payment: another finance approver records it.");
        }

        // Someone who can still sign in as an advisor or mentor sees the notice and chooses on their own page.
        if (SetsUpThemselves(person))
        {
            throw new ConflictException("They can set this up themselves on their payments page, where they see the notice about public benefits.");
        }

        if ((await data.PayoutsAsync([Filter.Eq("payeeId", person.Id), Filter.Eq("state", PayoutState.Pending)], ct)).Count == 0)
        {
            throw new ConflictException("Nothing is waiting to be paid to them.");
        }

        var account = await data.AccountAsync(person.Id, ct);
        var now = data.Store.Now;
        var saved = await data.SaveAccountAsync(account with
        {
            BenefitsNoticeSeenAt = account.BenefitsNoticeSeenAt ?? now,
            Method = EnumNames.Parse<PayeeMethod>(command.Body.Method),
            SetUpBy = data.Store.User.UserId,
            ChangedAt = now,
        }, ct);
        return new PayeeNeedingSetup(person.Id, person.DisplayName, true, saved.Method);
    }

    private static bool SetsUpThemselves(Person person) =>
        person.Active && person.Roles.Any(Roles.TakesPaidWork);
}

public static class PayeeSetupEndpoints
{
    public static IEndpointRouteBuilder MapPayeeSetup(this IEndpointRouteBuilder app)
    {
        var payees = app.MapGroup("/api/payouts/payees").WithTags("Payouts").RequireAuthorization(Policies.FinanceApprover);
        payees.MapGet("/needing-setup", ListPayeesNeedingSetup).WithName(nameof(ListPayeesNeedingSetup))
            .WithSummary("Payees owed money who can no longer set up payment themselves and have not said how to be paid, seen the benefits notice, or finished Stripe's setup.");
        payees.MapPost("/{personId}/setup", RecordPayeeSetup).WithName(nameof(RecordPayeeSetup))
            .WithSummary("Record that you told such a payee about public benefits, and how they chose to be paid (check or prepaid card).")
            .ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    private static async Task<Ok<IReadOnlyList<PayeeNeedingSetup>>> ListPayeesNeedingSetup(IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListPayeesNeedingSetup(), ct));

    private static async Task<Ok<PayeeNeedingSetup>> RecordPayeeSetup(IMediator mediator, string personId, PayeeSetupRequest body, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new RecordPayeeSetup(personId, body), ct));
}
