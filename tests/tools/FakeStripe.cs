using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SurvivorConnect.Testing;

/// <summary>
/// A fake of the parts of Stripe's API that SurvivorConnect uses (Connect Express accounts and links,
/// transfers, payouts on a connected account), on loopback, answering Stripe-shaped JSON. It keeps Stripe's
/// idempotency rules: the same key with the same body answers what it answered first; the same key with a
/// different body is an idempotency error. Tests can lose an answer after the work was done, refuse the next
/// request, and sign webhook events with the real algorithm.
/// </summary>
public sealed class FakeStripe : IAsyncDisposable
{
    public const string SecretKey = "sk_test_fake_survivorconnect";
    public const string WebhookSecret = "whsec_fake_survivorconnect";

    /// <summary>The signing secret of the second endpoint, for connected accounts' events.</summary>
    public const string ConnectWebhookSecret = "whsec_fake_survivorconnect_connect";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, (string Request, int Status, string Body)> _idempotent = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, JsonObject> _objects = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(string? Method, string PathPrefix, Fault Fault)> _faults = new();
    private readonly SemaphoreSlim _writes = new(1, 1);
    private int _sequence;

    private FakeStripe(WebApplication app)
    {
        _app = app;
        _app.Run(HandleAsync);
    }

    private enum Fault
    {
        /// <summary>Do the work, then drop the connection: the caller never hears that it succeeded.</summary>
        LoseResponse,

        /// <summary>Refuse the request for good (a 400 card-style error).</summary>
        Refuse,

        /// <summary>Answer 500 without doing anything.</summary>
        ServerError,

        /// <summary>Do nothing and never answer, until the caller gives up.</summary>
        Hang,

        /// <summary>Refuse the caller's API key (rotated, revoked) without doing anything.</summary>
        BadKey,
    }

    public string ApiBase { get; private set; } = "";

    /// <summary>
    /// Where a browser finds the onboarding pages: the same server by another name, so that, as with Stripe's own
    /// site, the way back to the portal is cross-site (and the browser withholds SameSite=Strict cookies).
    /// </summary>
    public string OnboardingBase => ApiBase.Replace("//127.0.0.1:", "//localhost:", StringComparison.Ordinal);

    /// <summary>Stripe's clock, which dates what it makes and its events: the app's own, when a test moves that.</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    /// <summary>Every request that reached the fake, as "METHOD path".</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    public IReadOnlyList<JsonObject> Transfers => Of("transfer");

    public IReadOnlyList<JsonObject> Payouts => Of("payout");

    public IReadOnlyList<JsonObject> Accounts => Of("account");

    /// <summary>Starts Kestrel on a free loopback port (Kestrel, so a lost answer is a reset connection, as on the internet).</summary>
    public static FakeStripe Start()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var fake = new FakeStripe(builder.Build());
        fake._app.StartAsync().GetAwaiter().GetResult();
        fake.ApiBase = fake._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single().TrimEnd('/');
        return fake;
    }

    /// <summary>An Express account that has finished onboarding, as if its payee had been through Stripe's pages.</summary>
    public string ReadyAccount(string agencyId, string personId)
    {
        var (_, body) = Create("/v1/accounts", null, new Dictionary<string, string>
        {
            ["type"] = "express", ["metadata[agency_id]"] = agencyId, ["metadata[person_id]"] = personId,
        });
        var id = JsonNode.Parse(body)!["id"]!.GetValue<string>();
        SetPayoutsEnabled(id, true);
        return id;
    }

    /// <summary>How many objects of a kind ("transfer", "payout", "account") the fake holds.</summary>
    public int Count(string kind) => _objects.Values.Count(o => o["object"]?.GetValue<string>() == kind);

    /// <summary>Stripe keeps an idempotency key for about a day; after that, the same key makes a new object.</summary>
    public void ForgetIdempotencyKeys() => _idempotent.Clear();

    /// <summary>The next write under the prefix is done and its answer lost (a lookup before it goes through).</summary>
    public void LoseNextResponse(string pathPrefix) => _faults.Enqueue((HttpMethods.Post, pathPrefix, Fault.LoseResponse));

    /// <summary>The next write under the prefix is refused (a lookup before it goes through).</summary>
    public void RefuseNext(string pathPrefix) => _faults.Enqueue((HttpMethods.Post, pathPrefix, Fault.Refuse));

    /// <summary>The next read under the prefix is refused with a 400.</summary>
    public void RefuseNextLookup(string pathPrefix) => _faults.Enqueue((HttpMethods.Get, pathPrefix, Fault.Refuse));

    public void FailNext(string pathPrefix) => _faults.Enqueue((null, pathPrefix, Fault.ServerError));

    public void HangNext(string pathPrefix) => _faults.Enqueue((null, pathPrefix, Fault.Hang));

    /// <summary>The next request under the prefix is refused as if the platform's key had been revoked.</summary>
    public void RefuseKeyNext(string pathPrefix) => _faults.Enqueue((null, pathPrefix, Fault.BadKey));

    /// <summary>Stripe finished the account's onboarding (or took it back).</summary>
    public void SetPayoutsEnabled(string accountId, bool enabled)
    {
        var account = _objects[accountId];
        account["payouts_enabled"] = enabled;
        account["details_submitted"] = enabled;
    }

    /// <summary>The connected account is gone from the platform (disconnected): Stripe answers 404 for it.</summary>
    public void Disconnect(string accountId) => _objects.TryRemove(accountId, out _);

    /// <summary>Bank details given to Stripe for a connected account (on its onboarding pages or its dashboard); the bank account's id.</summary>
    public string AddBankAccount(string accountId)
    {
        var id = "ba_" + Next();
        foreach (var earlier in BanksOf(accountId))
        {
            earlier["default_for_currency"] = false;
        }

        // The newest is the one paid to by default, as when someone holding the phone puts their own bank first.
        _objects[id] = new JsonObject
        {
            ["id"] = id, ["object"] = "bank_account", ["account"] = accountId, ["country"] = "US", ["currency"] = "usd", ["last4"] = "6789", ["status"] = "new",
            ["default_for_currency"] = true, ["created_seq"] = Interlocked.Increment(ref _sequence),
        };
        return id;
    }

    private IEnumerable<JsonObject> BanksOf(string accountId) =>
        Of("bank_account").Where(b => b["account"]?.GetValue<string>() == accountId);

    /// <summary>Takes back all of a transfer, or <paramref name="amount"/> of it (minor units).</summary>
    public void ReverseTransfer(string transferId, long? amount = null)
    {
        var transfer = _objects[transferId];
        var total = transfer["amount"]!.GetValue<long>();
        transfer["amount_reversed"] = amount ?? total;
        transfer["reversed"] = (amount ?? total) >= total;
    }

    /// <summary>A Stripe event about one of the fake's objects, as Stripe would post it, with its status set for the event.</summary>
    public string EventJson(string type, string objectId, string? status = null, string? failureCode = null)
    {
        var data = (JsonObject)_objects[objectId].DeepClone();
        if (status is not null)
        {
            data["status"] = status;
        }

        if (failureCode is not null)
        {
            data["failure_code"] = failureCode;
        }

        var connected = type.StartsWith("payout.", StringComparison.Ordinal) ? data["destination_account"]?.GetValue<string>()
            : type.StartsWith("account.external_account.", StringComparison.Ordinal) ? data["account"]?.GetValue<string>()
            : type.StartsWith("account.", StringComparison.Ordinal) ? objectId : null;
        data.Remove("destination_account");
        data.Remove("created_seq");
        data.Remove("return_url");
        return new JsonObject
        {
            ["id"] = "evt_" + Next(),
            ["object"] = "event",
            ["api_version"] = Stripe.StripeConfiguration.ApiVersion,
            ["created"] = Clock.GetUtcNow().ToUnixTimeSeconds(),
            ["type"] = type,
            ["livemode"] = false,
            ["pending_webhooks"] = 1,
            ["account"] = connected,
            ["request"] = new JsonObject { ["id"] = null, ["idempotency_key"] = null },
            ["data"] = new JsonObject { ["object"] = data },
        }.ToJsonString();
    }

    /// <summary>The Stripe-Signature header for a payload, made as Stripe makes it (HMAC-SHA256 of "t.payload").</summary>
    public static string Sign(string payload, DateTimeOffset at, string secret = WebhookSecret)
    {
        var timestamp = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{payload}"));
        return $"t={timestamp},v1={Convert.ToHexStringLower(mac)}";
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _writes.Dispose();
    }

    private List<JsonObject> Of(string kind) =>
        [.. _objects.Values.Where(o => o["object"]?.GetValue<string>() == kind).OrderBy(o => o["created_seq"]!.GetValue<int>())];

    private string Next() => Interlocked.Increment(ref _sequence).ToString("D8", CultureInfo.InvariantCulture);

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "";
        Requests.Enqueue($"{request.Method} {path}");
        string body;
        using (var reader = new StreamReader(request.Body, Encoding.UTF8))
        {
            body = await reader.ReadToEndAsync();
        }

        // Stripe's own onboarding page, where the payee gives Stripe their details; the fake finishes at once.
        if (HttpMethods.IsGet(request.Method) && path.StartsWith("/connect/onboarding/", StringComparison.Ordinal)
            && _objects.TryGetValue(path["/connect/onboarding/".Length..], out var onboarding) && onboarding["return_url"]?.GetValue<string>() is { } back)
        {
            // The way back is the page's own move, as from Stripe's pages once the payee is done: a navigation another
            // site starts, not a redirect of the portal's own.
            SetPayoutsEnabled(onboarding["id"]!.GetValue<string>(), true);
            var link = System.Net.WebUtility.HtmlEncode(back);
            context.Response.ContentType = "text/html; charset=utf-8";
            await context.Response.WriteAsync($"<!DOCTYPE html><html lang=\"en\"><head><meta http-equiv=\"refresh\" content=\"0;url={link}\"><title>Stripe</title></head><body><a href=\"{link}\">Return</a></body></html>");
            return;
        }

        if (request.Headers.Authorization.ToString() != $"Bearer {SecretKey}")
        {
            await RespondAsync(context, 401, Error("invalid_request_error", "api_key_invalid", "Invalid API key provided."));
            return;
        }

        Fault? fault = _faults.TryPeek(out var next) && path.StartsWith(next.PathPrefix, StringComparison.Ordinal)
            && (next.Method is null || next.Method == request.Method) && _faults.TryDequeue(out next) ? next.Fault : null;
        if (fault == Fault.Hang)
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            return;
        }

        if (fault == Fault.Refuse && !HttpMethods.IsPost(request.Method))
        {
            await RespondAsync(context, 400, Error("invalid_request_error", "parameter_invalid", "Invalid request."));
            return;
        }

        if (fault == Fault.BadKey)
        {
            await RespondAsync(context, 401, Error("invalid_request_error", "api_key_invalid", "Invalid API key provided."));
            return;
        }

        if (fault == Fault.ServerError)
        {
            await RespondAsync(context, 500, Error("api_error", null, "Something went wrong on Stripe's end."));
            return;
        }

        var (status, answer) = HttpMethods.IsPost(request.Method)
            ? await PostAsync(path, Header(request, "Idempotency-Key"), Header(request, "Stripe-Account"), body, fault == Fault.Refuse)
            : path is "/v1/transfers" or "/v1/payouts" ? List(path, request.Query, Header(request, "Stripe-Account"))
            : path.StartsWith("/v1/accounts/", StringComparison.Ordinal) && path.EndsWith("/external_accounts", StringComparison.Ordinal)
                ? BankList(path, path["/v1/accounts/".Length..^"/external_accounts".Length])
            : Get(path);
        if (fault == Fault.LoseResponse)
        {
            context.Abort();
            return;
        }

        await RespondAsync(context, status, answer);
    }

    private static string? Header(HttpRequest request, string name) => request.Headers.TryGetValue(name, out var value) ? value.ToString() : null;

    private async Task<(int Status, string Body)> PostAsync(string path, string? key, string? account, string body, bool refuse)
    {
        await _writes.WaitAsync();
        try
        {
            var fingerprint = $"{path}|{account}|{body}";
            if (key is not null && _idempotent.TryGetValue(key, out var earlier))
            {
                return earlier.Request == fingerprint
                    ? (earlier.Status, earlier.Body)
                    : (400, Error("idempotency_error", null, "Keys for idempotent requests can only be used with the same parameters they were first used with."));
            }

            var answer = refuse ? (402, Error("invalid_request_error", "balance_insufficient", "Insufficient funds in Stripe account.")) : Create(path, account, Form(body));
            if (key is not null)
            {
                _idempotent[key] = (fingerprint, answer.Item1, answer.Item2);
            }

            return answer;
        }
        finally
        {
            _writes.Release();
        }
    }

    private (int, string) Create(string path, string? account, Dictionary<string, string> form)
    {
        var created = Clock.GetUtcNow().ToUnixTimeSeconds();
        JsonObject made;
        switch (path)
        {
            case "/v1/accounts":
                made = new JsonObject
                {
                    ["id"] = "acct_" + Next(), ["object"] = "account", ["type"] = form.GetValueOrDefault("type"), ["payouts_enabled"] = false, ["details_submitted"] = false,
                    ["settings"] = new JsonObject { ["payouts"] = new JsonObject { ["statement_descriptor"] = form.GetValueOrDefault("settings[payouts][statement_descriptor]") } },
                };
                break;
            case "/v1/account_links":
                if (!_objects.TryGetValue(form.GetValueOrDefault("account") ?? "", out var linked))
                {
                    return (400, Error("invalid_request_error", "resource_missing", "No such account."));
                }

                linked["return_url"] = form.GetValueOrDefault("return_url");

                return (200, new JsonObject { ["object"] = "account_link", ["created"] = created, ["expires_at"] = created + 300, ["url"] = $"{OnboardingBase}/connect/onboarding/{form["account"]}" }.ToJsonString());
            case "/v1/transfers":
                if (!_objects.TryGetValue(form.GetValueOrDefault("destination") ?? "", out var destination) || destination["payouts_enabled"]?.GetValue<bool>() != true)
                {
                    return (400, Error("invalid_request_error", "account_invalid", "The destination account cannot receive transfers."));
                }

                made = new JsonObject
                {
                    ["id"] = "tr_" + Next(), ["object"] = "transfer", ["amount"] = long.Parse(form["amount"], CultureInfo.InvariantCulture), ["currency"] = form["currency"],
                    ["destination"] = form["destination"], ["transfer_group"] = form.GetValueOrDefault("transfer_group"), ["reversed"] = false, ["amount_reversed"] = 0,
                };
                break;
            case "/v1/payouts" when account is not null:
                var bank = form.GetValueOrDefault("destination") ?? BanksOf(account).FirstOrDefault(b => b["default_for_currency"]?.GetValue<bool>() == true)?["id"]?.GetValue<string>();
                if (form.ContainsKey("destination") && !BanksOf(account).Any(b => b["id"]!.GetValue<string>() == bank))
                {
                    return (400, Error("invalid_request_error", "resource_missing", "No such external account."));
                }

                if (form.GetValueOrDefault("statement_descriptor") is { Length: > 22 })
                {
                    return (400, Error("invalid_request_error", "parameter_invalid_string_too_long", "The statement descriptor is longer than 22 characters."));
                }

                made = new JsonObject
                {
                    ["id"] = "po_" + Next(), ["object"] = "payout", ["amount"] = long.Parse(form["amount"], CultureInfo.InvariantCulture), ["currency"] = form["currency"],
                    ["status"] = "pending", ["destination_account"] = account, ["destination"] = bank, ["automatic"] = false,
                    ["statement_descriptor"] = form.GetValueOrDefault("statement_descriptor"),
                };
                break;
            default:
                return (404, Error("invalid_request_error", "resource_missing", "Unrecognized request URL."));
        }

        made["created"] = created;
        made["livemode"] = false;
        made["created_seq"] = Interlocked.Increment(ref _sequence);
        var metadata = new JsonObject();
        foreach (var (name, value) in form.Where(f => f.Key.StartsWith("metadata[", StringComparison.Ordinal)))
        {
            metadata[name["metadata[".Length..^1]] = value;
        }

        made["metadata"] = metadata;
        _objects[made["id"]!.GetValue<string>()] = made;
        return (200, Public(made));
    }

    /// <summary>Newest first, as Stripe lists: transfers by their group, or the payouts of the account the request is made for.</summary>
    private (int, string) List(string path, IQueryCollection query, string? account)
    {
        var kind = path == "/v1/transfers" ? "transfer" : "payout";
        var group = query["transfer_group"].ToString();
        var limit = int.TryParse(query["limit"], CultureInfo.InvariantCulture, out var asked) ? Math.Clamp(asked, 1, 100) : 10;
        var found = Of(kind)
            .Where(o => kind == "transfer" ? group.Length == 0 || o["transfer_group"]?.GetValue<string>() == group : o["destination_account"]?.GetValue<string>() == account)
            .Reverse().ToList();
        var data = new JsonArray([.. found.Take(limit).Select(o => JsonNode.Parse(Public(o)))]);
        return (200, new JsonObject { ["object"] = "list", ["url"] = path, ["has_more"] = found.Count > limit, ["data"] = data }.ToJsonString());
    }

    private (int, string) BankList(string path, string accountId) => _objects.ContainsKey(accountId)
        ? (200, new JsonObject
        {
            ["object"] = "list", ["url"] = path, ["has_more"] = false, ["data"] = new JsonArray([.. BanksOf(accountId).Select(b => JsonNode.Parse(Public(b)))]),
        }.ToJsonString())
        : (404, Error("invalid_request_error", "resource_missing", $"No such account: '{accountId}'"));

    private (int, string) Get(string path)
    {
        var id = path.Split('/').LastOrDefault() ?? "";
        return _objects.TryGetValue(id, out var found) && path.StartsWith("/v1/", StringComparison.Ordinal)
            ? (200, Public(found))
            : (404, Error("invalid_request_error", "resource_missing", $"No such object: '{id}'"));
    }

    private static string Public(JsonObject made)
    {
        var copy = (JsonObject)made.DeepClone();
        copy.Remove("created_seq");
        copy.Remove("destination_account");
        copy.Remove("return_url");
        return copy.ToJsonString();
    }

    private static Dictionary<string, string> Form(string body) =>
        body.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(p => WebUtility.UrlDecode(p[0]), p => p.Length > 1 ? WebUtility.UrlDecode(p[1]) : "", StringComparer.Ordinal);

    private static string Error(string type, string? code, string message) =>
        new JsonObject { ["error"] = new JsonObject { ["type"] = type, ["code"] = code, ["message"] = message } }.ToJsonString();

    private static async Task RespondAsync(HttpContext context, int status, string json)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.Headers["Request-Id"] = "req_fake";
        await context.Response.WriteAsync(json);
    }
}
