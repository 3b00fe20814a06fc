using SurvivorConnect.Api.Features.Payouts;

namespace SurvivorConnect.UnitTests.Payouts;

public sealed class StripeOptionsTests
{
    [Theory]
    [InlineData("sk_live_abc", "whsec_abc", true)]
    [InlineData("rk_live_abc", "whsec_abc", true)]
    [InlineData(null, null, false)]
    [InlineData("", "whsec_abc", false)]
    [InlineData("sk_live_abc", "", false)]
    [InlineData("@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/stripe-secret-key)", "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/stripe-webhook-secret)", false)]
    public void Stripe_payouts_are_on_only_with_both_of_Stripe_s_secrets(string? key, string? webhook, bool on)
    {
        Assert.Equal(on, new StripeOptions { SecretKey = key, WebhookSecret = webhook }.Enabled);
    }
}
