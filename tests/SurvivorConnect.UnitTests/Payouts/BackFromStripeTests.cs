using Microsoft.AspNetCore.Http;
using SurvivorConnect.Api.Features.Payouts;
using SurvivorConnect.Api.Infrastructure.Errors;

namespace SurvivorConnect.UnitTests.Payouts;

public sealed class BackFromStripeTests
{
    [Fact]
    public void Stripe_sends_the_payee_back_to_the_host_they_came_from()
    {
        var request = new DefaultHttpContext().Request;
        request.Scheme = "https";
        request.Host = new HostString("portal.example.org");

        Assert.Equal(new Uri("https://portal.example.org/payments/from-stripe"), PayoutsModule.BackFromStripe(request));
    }

    [Theory]
    [InlineData("")]
    [InlineData("bad host")]
    public void A_request_that_names_no_usable_host_is_bad_input_answered_400_not_a_failure(string host)
    {
        var request = new DefaultHttpContext().Request;
        request.Scheme = "https";
        request.Host = new HostString(host);

        Assert.Equal(["host"], Assert.Throws<RequestValidationException>(() => PayoutsModule.BackFromStripe(request)).Errors.Keys);
    }
}
