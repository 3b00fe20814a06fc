using SurvivorConnect.Api.Features.Payouts.Rules;

namespace SurvivorConnect.Api.Features.Payouts;

/// <summary>
/// The payouts section of configuration. The rates and thresholds ship in appsettings.json with the date each
/// takes effect; the Stripe secrets come from the environment (Key Vault in Azure), never from the repository.
/// </summary>
public sealed class PayoutOptions
{
    public const string SectionName = "Payouts";

    public List<MileageRate> MileageRates { get; init; } = [];

    public List<PerDiemRate> StandardPerDiem { get; init; } = [];

    public List<ReportingThreshold> ReportingThresholds { get; init; } = [];

    public StripeOptions Stripe { get; init; } = new();

    /// <summary>Whether this instance sends approved payouts by itself (every instance may; the outbox lease keeps each send to one).</summary>
    public bool SendInBackground { get; init; } = true;

    /// <summary>How often each instance looks for approved payouts to send (a second to an hour).</summary>
    public TimeSpan SendEvery { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long an instance holds an outbox item while it sends; another takes it over after that.</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromMinutes(2);

    public PayRates RatesWith(IReadOnlyList<PerDiemRate> locationRates) => new(MileageRates, StandardPerDiem, locationRates);
}

public sealed class StripeOptions
{
    public string? SecretKey { get; init; }

    /// <summary>The signing secret of the endpoint for the platform's own events (transfers).</summary>
    public string? WebhookSecret { get; init; }

    /// <summary>The signing secret of the endpoint for connected accounts' events (onboarding, payouts to banks), when it is another.</summary>
    public string? ConnectWebhookSecret { get; init; }

    /// <summary>Every secret a Stripe event to this app may be signed with.</summary>
    public IEnumerable<string> WebhookSecrets => new[] { WebhookSecret, ConnectWebhookSecret }.OfType<string>().Where(s => s.StartsWith("whsec_", StringComparison.Ordinal));

    /// <summary>Stripe's API; tests point it at a fake on loopback.</summary>
    public string? ApiBase { get; init; }

    /// <summary>Where Stripe's onboarding pages are, so the portal may send a payee there.</summary>
    public string OnboardingOrigin { get; init; } = "https://connect.stripe.com";

    /// <summary>
    /// What the payee's bank statement shows for a payout: nothing of the agency's work or of this portal, as a statement
    /// is read by whoever else sees the account. Up to 22 characters, as Stripe takes it.
    /// </summary>
    public string StatementDescriptor { get; init; } = "CONSULTING PAYMENT";

    /// <summary>Stripe's rule for a statement descriptor: 5 to 22 printable characters, a letter among them, none of &lt; &gt; \ ' " *.</summary>
    public static bool IsStatementDescriptor(string? text) =>
        text is { Length: >= 5 and <= 22 } && text.Any(char.IsAsciiLetter)
        && text.All(c => c is >= ' ' and <= '~' and not ('<' or '>' or '\\' or '\'' or '"' or '*'));

    /// <summary>The country new Express accounts are opened in.</summary>
    public string Country { get; init; } = "US";

    /// <summary>Stripe.net resends a request whose answer was lost, with the same idempotency key.</summary>
    public int MaxNetworkRetries { get; init; } = 2;

    /// <summary>How long one request waits for Stripe's answer (Stripe.net's own default).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(80);

    /// <summary>How often a minute one payee may ask Stripe for an onboarding link or a check of their account.</summary>
    public int PayeeAsksPerMinute { get; init; } = 10;

    /// <summary>How old a webhook's signature may be, in seconds.</summary>
    public int ToleranceSeconds { get; init; } = 300;

    /// <summary>
    /// Both secrets are set and look like Stripe's (an unresolved Key Vault reference arrives as its own text, and
    /// must not turn payouts on).
    /// </summary>
    public bool Enabled =>
        SecretKey is { } key && (key.StartsWith("sk_", StringComparison.Ordinal) || key.StartsWith("rk_", StringComparison.Ordinal))
        && WebhookSecret?.StartsWith("whsec_", StringComparison.Ordinal) == true;
}
