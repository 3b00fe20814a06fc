using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Storage;

namespace SurvivorConnect.UnitTests.Infrastructure;

public sealed class ApiExceptionHandlerTests
{
    private static async Task<(int Status, JsonElement Body, HttpResponse Response)> Handle(Exception exception, bool callerLeft = false)
    {
        var services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = services, RequestAborted = new CancellationToken(callerLeft) };
        context.Response.Body = new MemoryStream();
        var handler = new ApiExceptionHandler(services.GetRequiredService<IProblemDetailsService>(), NullLogger<ApiExceptionHandler>.Instance);

        Assert.True(await handler.TryHandleAsync(context, exception, CancellationToken.None));

        if (context.Response.Body.Length == 0)
        {
            return (context.Response.StatusCode, default, context.Response);
        }

        context.Response.Body.Position = 0;
        using var document = await JsonDocument.ParseAsync(context.Response.Body);
        return (context.Response.StatusCode, document.RootElement.Clone(), context.Response);
    }

    [Theory]
    [InlineData(StoreErrorKind.NotFound, 404)]
    [InlineData(StoreErrorKind.Conflict, 409)]
    [InlineData(StoreErrorKind.PreconditionFailed, 412)]
    [InlineData(StoreErrorKind.InvalidDocument, 400)]
    [InlineData(StoreErrorKind.InvalidQuery, 400)]
    [InlineData(StoreErrorKind.BatchFailed, 409)]
    [InlineData(StoreErrorKind.Unavailable, 503)]
    [InlineData(StoreErrorKind.Refused, 500)]
    public async Task Each_store_failure_has_one_status(StoreErrorKind kind, int status)
    {
        var (actual, body, _) = await Handle(new StoreException(kind, "detail"));

        Assert.Equal(status, actual);
        Assert.Equal(status, body.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Throttling_that_outlasts_the_retries_is_503_with_the_wait_the_store_asked_for()
    {
        var (status, _, response) = await Handle(StoreException.Unavailable("throttled", retryAfter: TimeSpan.FromMilliseconds(2500)));

        Assert.Equal(503, status);
        Assert.Equal("3", response.Headers.RetryAfter.ToString());
    }

    [Fact]
    public async Task An_unexpected_failure_says_nothing_about_itself()
    {
        var (status, body, _) = await Handle(new InvalidOperationException("secret connection string Password=hunter2"));

        Assert.Equal(500, status);
        Assert.DoesNotContain("hunter2", body.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperationException", body.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wait_that_gave_up_while_the_caller_is_still_there_is_a_timeout_on_our_side_and_only_a_caller_who_left_is_499()
    {
        Assert.Equal(504, (await Handle(new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout"))).Status);
        Assert.Equal(499, (await Handle(new OperationCanceledException(), callerLeft: true)).Status);
    }

    [Fact]
    public async Task Validation_failures_list_each_field()
    {
        var (status, body, _) = await Handle(new RequestValidationException(new Dictionary<string, string[]> { ["displayName"] = ["Required."] }));

        Assert.Equal(400, status);
        Assert.Equal("Required.", body.GetProperty("errors").GetProperty("displayName")[0].GetString());
    }
}
