using System.Net;
using Microsoft.Extensions.Options;
using Stripe;

namespace SurvivorConnect.Api.Features.Payouts;

/// <summary>A request Stripe refused for good (it will answer the same again), or one that may work if sent again.</summary>
public sealed class StripeGatewayException(string code, bool permanent, Exception inner) : Exception($"Stripe answered {code}.", inner)
{
    public string Code { get; } = code;

    public bool Permanent { get; } = permanent;
}

/// <param name="BankAccountId">The payee's bank account or card the bank payout goes to; none for the account's default.</param>
public sealed record TransferOrder(
    string AgencyId, string PayoutId, int Attempt, string AccountId, long AmountMinor, string Currency, string IdempotencyKey, string? BankAccountId = null);

/// <summary>A bank account or card given to Stripe for a connected account: Stripe keeps its details, we keep its id.</summary>
public sealed record StripeBankAccount(string Id, string? Currency, bool DefaultForCurrency);

public sealed record StripeTransferState(string Id, long Amount, long AmountReversed, bool Reversed);

/// <summary>What SurvivorConnect asks of Stripe Connect. Every write carries an idempotency key, so sending it again is safe.</summary>
public interface IStripeGateway
{
    bool Enabled { get; }

    /// <param name="earlierAccounts">How many Stripe accounts of theirs were let go before (each new one has its own idempotency key).</param>
    Task<string> CreateExpressAccountAsync(string agencyId, string personId, int earlierAccounts, CancellationToken ct);

    Task<string> CreateOnboardingLinkAsync(string accountId, Uri refreshUrl, Uri returnUrl, CancellationToken ct);

    Task<bool> PayoutsEnabledAsync(string accountId, CancellationToken ct);

    /// <summary>The agency and person a connected account was opened for, from the metadata we gave it.</summary>
    Task<(string? AgencyId, string? PersonId)> AccountOwnerAsync(string accountId, CancellationToken ct);

    Task<string> CreateTransferAsync(TransferOrder order, CancellationToken ct);

    /// <summary>Pays the transferred amount from the payee's Stripe balance to their bank or card.</summary>
    Task<string> CreateBankPayoutAsync(TransferOrder order, CancellationToken ct);

    /// <summary>The bank accounts and cards the connected account holds now, as Stripe has them (not as its events told).</summary>
    Task<IReadOnlyList<StripeBankAccount>> BankAccountsAsync(string accountId, CancellationToken ct);

    Task<StripeTransferState?> GetTransferAsync(string transferId, CancellationToken ct);

    /// <summary>
    /// A transfer made for this payout (by any attempt) whose money was not taken back, if any: Stripe forgets an
    /// idempotency key after about a day. A failed lookup is always worth trying again, never a refusal of the payout.
    /// </summary>
    Task<string?> FindTransferAsync(TransferOrder order, CancellationToken ct);

    /// <summary>
    /// The bank payout this attempt made, not cancelled or failed, among the payee account's latest; none when the
    /// account refuses to be read, so that making one gives Stripe's final answer.
    /// </summary>
    Task<string?> FindBankPayoutAsync(TransferOrder order, CancellationToken ct);
}

internal sealed class StripeGateway : IStripeGateway
{
    private readonly StripeClient? _client;
    private readonly StripeOptions _options;

    public StripeGateway(IOptions<PayoutOptions> options, IHttpClientFactory http)
    {
        _options = options.Value.Stripe;
        if (_options.Enabled)
        {
            _client = new StripeClient(new StripeClientOptions
            {
                ApiKey = _options.SecretKey,
                ApiBase = string.IsNullOrWhiteSpace(_options.ApiBase) ? StripeClient.DefaultApiBase : _options.ApiBase.TrimEnd('/'),
                HttpClient = new SystemNetHttpClient(http.CreateClient(nameof(StripeGateway)), _options.MaxNetworkRetries, enableTelemetry: false),
            });
        }
    }

    public bool Enabled => _client is not null;

    private StripeClient Client => _client ?? throw new InvalidOperationException("Stripe is not configured.");

    public Task<string> CreateExpressAccountAsync(string agencyId, string personId, int earlierAccounts, CancellationToken ct) => Call(async () =>
        (await Client.V1.Accounts.CreateAsync(new AccountCreateOptions
        {
            Type = "express",
            Country = _options.Country,
            Capabilities = new AccountCapabilitiesOptions { Transfers = new AccountCapabilitiesTransfersOptions { Requested = true } },

            // SurvivorConnect pays each payout out on its own, so each can be followed to the bank and back; a payout
            // the account makes by itself still shows the neutral words on the statement.
            Settings = new AccountSettingsOptions
            {
                Payouts = new AccountSettingsPayoutsOptions
                {
                    Schedule = new AccountSettingsPayoutsScheduleOptions { Interval = "manual" },
                    StatementDescriptor = _options.StatementDescriptor,
                },
            },
            Metadata = new() { ["agency_id"] = agencyId, ["person_id"] = personId },
        }, new RequestOptions { IdempotencyKey = earlierAccounts == 0 ? $"account~{agencyId}~{personId}" : $"account~{agencyId}~{personId}~{earlierAccounts}" }, ct)).Id, ct);

    public Task<string> CreateOnboardingLinkAsync(string accountId, Uri refreshUrl, Uri returnUrl, CancellationToken ct) => Call(async () =>
        (await Client.V1.AccountLinks.CreateAsync(new AccountLinkCreateOptions
        {
            Account = accountId,
            Type = "account_onboarding",
            RefreshUrl = refreshUrl.ToString(),
            ReturnUrl = returnUrl.ToString(),
        }, null, ct)).Url, ct);

    public Task<bool> PayoutsEnabledAsync(string accountId, CancellationToken ct) => Call(async () =>
        (await Client.V1.Accounts.GetAsync(accountId, null, null, ct)).PayoutsEnabled, ct);

    public Task<(string? AgencyId, string? PersonId)> AccountOwnerAsync(string accountId, CancellationToken ct) => Call(async () =>
        (await Client.V1.Accounts.GetAsync(accountId, null, null, ct)).Metadata is { } metadata
            ? (metadata.GetValueOrDefault("agency_id"), metadata.GetValueOrDefault("person_id"))
            : (null, null), ct);

    public Task<string> CreateTransferAsync(TransferOrder order, CancellationToken ct) => Call(async () =>
        (await Client.V1.Transfers.CreateAsync(new TransferCreateOptions
        {
            Amount = order.AmountMinor,
            Currency = order.Currency.ToLowerInvariant(),
            Destination = order.AccountId,
            TransferGroup = order.PayoutId,
            Metadata = Metadata(order),
        }, new RequestOptions { IdempotencyKey = order.IdempotencyKey }, ct)).Id, ct);

    public Task<string> CreateBankPayoutAsync(TransferOrder order, CancellationToken ct) => Call(async () =>
        (await Client.V1.Payouts.CreateAsync(new PayoutCreateOptions
        {
            Amount = order.AmountMinor,
            Currency = order.Currency.ToLowerInvariant(),
            Destination = order.BankAccountId,
            StatementDescriptor = _options.StatementDescriptor,
            Metadata = Metadata(order),
        }, new RequestOptions { IdempotencyKey = order.IdempotencyKey, StripeAccount = order.AccountId }, ct)).Id, ct);

    public async Task<IReadOnlyList<StripeBankAccount>> BankAccountsAsync(string accountId, CancellationToken ct)
    {
        try
        {
            return await ListBankAccountsAsync(accountId, ct);
        }
        catch (StripeGatewayException ex) when (ex.Permanent && ex.InnerException is StripeException refused
            && refused.HttpStatusCode != HttpStatusCode.NotFound && refused.StripeError?.Code != "account_invalid")
        {
            // Only an account gone from the platform is final for its payouts: another refusal (a restricted key lacking a
            // permission) is put right by an operator, and must not fail every payout at once.
            throw new StripeGatewayException(ex.Code, permanent: false, refused);
        }
    }

    private Task<IReadOnlyList<StripeBankAccount>> ListBankAccountsAsync(string accountId, CancellationToken ct) => Call<IReadOnlyList<StripeBankAccount>>(async () =>
        [.. (await Client.V1.Accounts.ExternalAccounts.ListAsync(accountId, new AccountExternalAccountListOptions { Limit = 100 }, null, ct)).Data
            .Select(e => e switch
            {
                BankAccount bank => new StripeBankAccount(bank.Id, bank.Currency, bank.DefaultForCurrency == true),
                Card card => new StripeBankAccount(card.Id, card.Currency, card.DefaultForCurrency == true),
                _ => new StripeBankAccount(e.Id, null, false),
            })],
        ct);

    public Task<StripeTransferState?> GetTransferAsync(string transferId, CancellationToken ct) => Call<StripeTransferState?>(async () =>
    {
        try
        {
            var transfer = await Client.V1.Transfers.GetAsync(transferId, null, null, ct);
            return new StripeTransferState(transfer.Id, transfer.Amount, transfer.AmountReversed, transfer.Reversed);
        }
        catch (StripeException ex) when (ex.HttpStatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }, ct);

    public Task<string?> FindTransferAsync(TransferOrder order, CancellationToken ct) => Call(async () =>
        (await Client.V1.Transfers.ListAsync(new TransferListOptions { TransferGroup = order.PayoutId, Limit = LookBack }, null, ct))
            .Data.FirstOrDefault(t => t.AmountReversed == 0 && t.Amount == order.AmountMinor && t.DestinationId == order.AccountId && Made(t.Metadata, order, anyAttempt: true))?.Id,
        ct, refusalIsFinal: false);

    public async Task<string?> FindBankPayoutAsync(TransferOrder order, CancellationToken ct)
    {
        try
        {
            return await Call(async () =>
                (await Client.V1.Payouts.ListAsync(new PayoutListOptions { Limit = LookBack }, new RequestOptions { StripeAccount = order.AccountId }, ct))
                    .Data.FirstOrDefault(p => p.Status is not ("canceled" or "failed") && Made(p.Metadata, order, anyAttempt: false))?.Id, ct);
        }
        catch (StripeGatewayException ex) when (ex.Permanent)
        {
            // The payee's account refuses to be read (closed, disconnected): making the bank payout will say so for good,
            // and fail the payout, instead of the send being tried again for ever.
            return null;
        }
    }

    /// <summary>How many of the newest objects a lookup reads: a payee is paid a few times a month, not a hundred.</summary>
    private const int LookBack = 100;

    private static bool Made(Dictionary<string, string>? metadata, TransferOrder order, bool anyAttempt) =>
        metadata is not null && Metadata(order).Where(pair => !anyAttempt || pair.Key != "attempt")
            .All(pair => metadata.TryGetValue(pair.Key, out var value) && value == pair.Value);

    private static Dictionary<string, string> Metadata(TransferOrder order) => new()
    {
        ["agency_id"] = order.AgencyId,
        ["payout_id"] = order.PayoutId,
        ["attempt"] = order.Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    // Stripe's 4xx answers (but a conflicting concurrent request, a rate limit, or our own key refused, which an operator
    // puts right) will not change if sent again; a refused lookup still says nothing about the payment, so it is not final.
    private static async Task<T> Call<T>(Func<Task<T>> call, CancellationToken ct, bool refusalIsFinal = true)
    {
        try
        {
            return await call();
        }
        catch (StripeException ex)
        {
            var status = (int)ex.HttpStatusCode;
            var permanent = refusalIsFinal && status is >= 400 and < 500 and not 401 and not 409 and not 429;
            throw new StripeGatewayException(ex.StripeError?.Code ?? ex.StripeError?.Type ?? status.ToString(System.Globalization.CultureInfo.InvariantCulture), permanent, ex);
        }
        catch (HttpRequestException ex)
        {
            throw new StripeGatewayException("network", permanent: false, ex);
        }
        catch (OperationCanceledException ex) when (!ct.IsCancellationRequested)
        {
            // Stripe did not answer within the client's time-out; whether it did the work is unknown, as when a connection drops.
            throw new StripeGatewayException("timeout", permanent: false, ex);
        }
    }
}
