using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Hosting;

namespace SurvivorConnect.Api.Features.Payouts;

/// <summary>
/// A payee's own asks of Stripe (an onboarding link, a check of their account), a few a minute each. Every ask spends
/// the platform's one Stripe rate limit, which everyone's payouts share: one person, or a script on their token, asking
/// hundreds of times a minute (well within their request budget) must not hold up everyone else's pay. Counted per
/// instance, as the request budget is.
/// </summary>
public sealed class PayeeStripeAsks : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;

    public PayeeStripeAsks(IOptions<PayoutOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var permits = Math.Max(1, options.Value.Stripe.PayeeAsksPerMinute);
        _limiter = PartitionedRateLimiter.Create<string, string>(payee => RequestLimits.Window(payee, permits));
    }

    /// <summary>Spends one of the payee's asks, or refuses with 429 when they are spent for this minute.</summary>
    public void Spend(string agencyId, string payeeId)
    {
        using var lease = _limiter.AttemptAcquire($"{agencyId}:{payeeId}");
        if (!lease.IsAcquired)
        {
            throw new TooOftenException("You asked Stripe several times just now. Wait a minute, then try again.", RequestLimits.WaitOf(lease));
        }
    }

    public void Dispose() => _limiter.Dispose();
}
