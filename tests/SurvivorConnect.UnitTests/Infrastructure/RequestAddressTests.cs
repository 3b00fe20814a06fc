using System.Net;
using Microsoft.AspNetCore.Http;
using SurvivorConnect.Api.Infrastructure.Hosting;

namespace SurvivorConnect.UnitTests.Infrastructure;

/// <summary>Per-address budgets count a host, not each address it can pick: an IPv6 host has a whole /64.</summary>
public sealed class RequestAddressTests
{
    [Theory]
    [InlineData("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2:ffff:eeee:dddd:cccc", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:3::1", "2001:db8:1:3::/64")]
    [InlineData("203.0.113.7", "203.0.113.7")]
    [InlineData("::ffff:203.0.113.7", "203.0.113.7")]
    public void An_address_is_counted_as_its_host(string address, string counted)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(address);

        Assert.Equal(counted, RequestLimits.Address(context));
    }
}
