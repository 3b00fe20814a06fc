using SurvivorConnect.Api.Infrastructure.Hosting;

namespace SurvivorConnect.UnitTests.Infrastructure;

/// <summary>An outgoing call's span says what was called, never whose record it was.</summary>
public sealed class TelemetryAddressTests
{
    [Theory]
    [InlineData("https://api.stripe.com/v1/accounts/acct_1Nq9ZzLkdIwHu7ix", "https://api.stripe.com/v1/accounts/{id}")]
    [InlineData("https://api.stripe.com/v1/transfers/tr_3MtwBwLkdIwHu7ix/reversals?limit=3", "https://api.stripe.com/v1/transfers/{id}/reversals")]
    [InlineData("https://sc.documents.azure.com/dbs/survivorconnect/colls/chat/docs/msg~0000000042", "https://sc.documents.azure.com/dbs/survivorconnect/colls/chat/docs/{id}")]
    [InlineData("https://api.stripe.com/v1/transfers", "https://api.stripe.com/v1/transfers")]
    [InlineData("https://api.stripe.com/v1/account_links", "https://api.stripe.com/v1/account_links")]
    public void A_part_of_the_path_that_names_one_record_is_shown_as_an_id(string address, string shown) =>
        Assert.Equal(shown, Telemetry.AddressWithoutIds(new Uri(address)));
}
