using Microsoft.Extensions.Configuration;
using SurvivorConnect.Api.Infrastructure.Hosting;

namespace SurvivorConnect.UnitTests.Infrastructure;

/// <summary>Development lets anyone sign in as anyone: it starts only where nobody else can reach it.</summary>
public sealed class StartupGuardsTests
{
    private static IConfiguration Settings(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build();

    [Theory]
    [InlineData("http://127.0.0.1:5080")]
    [InlineData("http://localhost:5080")]
    [InlineData("http://[::1]:5080")]
    [InlineData("http://127.0.0.1:5080;https://localhost:5081")]
    public void Development_starts_on_a_developer_s_machine_reached_from_it_alone(string urls)
    {
        Assert.Empty(StartupGuards.DevelopmentProblems(Settings(("urls", urls))));
        Assert.Empty(StartupGuards.DevelopmentProblems(Settings()));
    }

    [Theory]
    [InlineData("http://+:8080")]
    [InlineData("http://*:80")]
    [InlineData("http://0.0.0.0:5080")]
    [InlineData("http://10.0.0.4:5080")]
    [InlineData("http://127.0.0.1:5080;http://survivorconnect.example:80")]
    [InlineData("http://[::]:8080")]
    public void Development_does_not_start_where_other_machines_can_reach_it(string urls)
    {
        var problem = Assert.Single(StartupGuards.DevelopmentProblems(Settings(("urls", urls))));
        Assert.Contains("127.0.0.1 or localhost only", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Development_does_not_start_in_App_Service_or_on_every_address_s_ports()
    {
        Assert.Contains("App Service", Assert.Single(StartupGuards.DevelopmentProblems(Settings(("WEBSITE_SITE_NAME", "sc-prod-app")))), StringComparison.Ordinal);
        Assert.Single(StartupGuards.DevelopmentProblems(Settings(("http_ports", "8080"))));
        Assert.Single(StartupGuards.DevelopmentProblems(Settings(("Kestrel:Endpoints:Http:Url", "http://0.0.0.0:80"), ("urls", "http://127.0.0.1:5080"))));
    }

    [Fact]
    public void A_container_image_s_ports_do_not_count_where_urls_on_loopback_override_them()
    {
        Assert.Empty(StartupGuards.DevelopmentProblems(Settings(("http_ports", "8080"), ("urls", "http://localhost:0"))));
        Assert.Empty(StartupGuards.DevelopmentProblems(Settings(("Kestrel:Endpoints:Http:Url", "http://[::1]:5080"), ("http_ports", "8080"), ("urls", "http://+:80"))));
    }
}
