using SurvivorConnect.Api.Infrastructure.Lists;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Scalar.AspNetCore;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Api.Infrastructure.Tenancy;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Infrastructure.Hosting;

public static class ApiSetup
{
    /// <summary>
    /// The host's cross-cutting concerns: start-up guards, errors, JSON, OpenAPI, health, sign-in, limits, the
    /// document store and the Mediator pipeline's common behaviours. Features add themselves as modules.
    /// </summary>
    public static WebApplicationBuilder AddSurvivorConnect(this WebApplicationBuilder builder)
    {
        StartupGuards.Check(builder.Configuration, builder.Environment);

        // SafeRequestLogging logs requests instead of the framework's request logs.
        var services = builder.Services;
        services.AddSingleton<IPostConfigureOptions<LoggerFilterOptions>, SensitiveLogCategories>();
        services.AddNoLogScopes();
        services.AddSingleton(TimeProvider.System);
        services.AddSharedKeys(builder.Configuration);
        builder.AddTelemetry();
        services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            context.ProblemDetails.Type ??= context.ProblemDetails.Status switch
            {
                StatusCodes.Status413PayloadTooLarge => "https://tools.ietf.org/html/rfc9110#section-15.5.14",
                StatusCodes.Status428PreconditionRequired => "https://tools.ietf.org/html/rfc6585#section-3",
                StatusCodes.Status429TooManyRequests => "https://tools.ietf.org/html/rfc6585#section-4",
                _ => null,
            };
            ServerFailureAddition.Apply(context);
        });
        services.AddExceptionHandler<ApiExceptionHandler>();
        services.Configure<JsonOptions>(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
            o.SerializerOptions.TypeInfoResolver = (o.SerializerOptions.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver()).WithAddedModifier(NullElementsRefused.Modify);

            // {"displayName":"a","DisplayName":"b"} must not let one reader see "a" and another "b".
            o.SerializerOptions.AllowDuplicateProperties = false;
        });

        // Binding failures reach ApiExceptionHandler in every environment, which names the field, never a type.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddOpenApi(o => o.AddDocumentTransformer<BearerSecurityTransformer>());
        services.AddSingleton<StorageHealthCheck>();
        services.AddHealthChecks().AddCheck<StorageHealthCheck>("storage", tags: ["ready"]);

        builder.AddSurvivorConnectAuth();

        // A year, the usual HSTS term; not the agency's other subdomains, which may not all serve HTTPS.
        services.AddHsts(o => o.MaxAge = TimeSpan.FromDays(365));

        var maxBody = builder.Configuration.GetValue("Api:MaxRequestBodyBytes", 65536L);
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = maxBody);
        services.AddRateLimiter(o => RequestLimits.Configure(o, builder.Configuration));
        services.AddSingleton<CredentialLimit>();

        // Each feature module declares its own containers; the store creates them all on start.
        services.AddDocumentStore(builder.Configuration, () => AzureIdentity.For(builder.Configuration));
        services.AddHostedService<StorageStartup>();
        services.AddScoped<AgencyStore>();
        services.AddSingleton<AgencyWrites>();
        services.AddSingleton<NameOrderBackfill>();

        services.AddMediator((Mediator.MediatorOptions o) =>
        {
            o.ServiceLifetime = ServiceLifetime.Scoped;
            o.PipelineBehaviors =
            [
                typeof(LoggingBehaviour<,>),
                typeof(ChangesFinishBehaviour<,>),
                typeof(TenantScopeBehaviour<,>),

                // Before validation, so an attempt refused for what it asked (giving oneself a role no one may hold
                // with another, say) is in the audit log too.
                typeof(AuditBehaviour<,>),
                typeof(ValidationBehaviour<,>),
                typeof(AgencyAdminBehaviour<,>),
            ];
        });
        return builder;
    }

    public static WebApplication UseSurvivorConnect(this WebApplication app)
    {
        app.UseMiddleware<SafeRequestLogging>();

        // A browser that asked for a page (an old link, a typo, a failure) is shown a portal page, exit button and all,
        // instead of bare text; everything else gets ProblemDetails. Outside the exception handler, so a failure is
        // shown too; routing runs after this, so the page's route is found again.
        app.UseWhen(BrowserPageRequests.WantsPage, page => page.UseStatusCodePagesWithReExecute("/status/{0}", createScopeForStatusCodePages: true));
        app.UseWhen(context => !BrowserPageRequests.WantsPage(context), other => other.UseStatusCodePages());
        app.UseExceptionHandler();
        if (!app.Environment.IsDevelopment())
        {
            // Once a browser has had the portal over HTTPS it never asks over plain HTTP, where a session or a page
            // could be read or changed on the way (a café's Wi-Fi, say).
            app.UseHsts();
        }

        // The portal's script and styles (wwwroot), public and served before any route is considered. Asked about again
        // each time they are used, so a fix to the exit or to idle clearing reaches every phone with the next page.
        app.UseStaticFiles(new StaticFileOptions { OnPrepareResponse = file => file.Context.Response.Headers.CacheControl = "no-cache" });

        // Everything past the static files is about someone (JSON, CSV, pages, the calendar): no browser, shared
        // computer's cache or proxy may keep it, and no browser may read it as anything but what it says it is.
        app.Use((context, next) =>
        {
            context.Response.Headers.CacheControl = "no-store";
            context.Response.Headers.XContentTypeOptions = "nosniff";
            return next(context);
        });
        app.UseRouting();

        // After routing, so an endpoint's own limit is known; before anything reads a body.
        app.UseMiddleware<RequestBodyLimit>(app.Configuration.GetValue("Api:MaxRequestBodyBytes", 65536L));
        app.Use(SecretInPath.HideAsync);
        app.UseMiddleware<StalePortalForms>();

        app.UseAuthentication();
        app.Use(app.Services.GetRequiredService<CredentialLimit>().RefuseSpentAsync);
        app.UseRateLimiter();

        // An unknown route is 404 for everyone; the fallback authorization policy is for mapped endpoints. Counted by the
        // rate limiter first: its status page is not, so a flood of made-up addresses would otherwise never be.
        // Entra ID's sign-in and sign-out callbacks are no route: the authentication middleware answers them.
        app.Use((context, next) =>
        {
            if (context.GetEndpoint() is null && !PortalSignIn.IsCallback(context.Request.Path))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }

            return next(context);
        });
        app.UseAuthorization();

        // The platform's probes must never be starved by anyone else's traffic: health is not rate-limited at all.
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous().DisableRateLimiting();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") }).AllowAnonymous().DisableRateLimiting();
        // Outside Development the map of every endpoint is for people who use them, not for whoever asks.
        var openApi = app.MapOpenApi().RequireRateLimiting(RequestLimits.PerAddress);
        if (app.Environment.IsDevelopment())
        {
            openApi.AllowAnonymous();
        }
        else
        {
            openApi.RequireAuthorization();
        }
        if (app.Environment.IsDevelopment())
        {
            app.MapScalarApiReference().AllowAnonymous();
            app.Lifetime.ApplicationStarted.Register(() => PrintDevelopmentHelp(app));
        }

        return app;
    }

    private static void PrintDevelopmentHelp(WebApplication app)
    {
        var url = app.Urls.FirstOrDefault() ?? "http://127.0.0.1:5080";
        app.Logger.LogInformation(
            "SurvivorConnect is running on {Url} with the embedded store. Sign in: GET {Url}/dev/users, then POST {Url}/dev/token with {{\"userId\":\"demo-admin\"}} and send the accessToken as 'Authorization: Bearer ...'. API reference: {Url}/scalar (OpenAPI: {Url}/openapi/v1.json).",
            url, url, url, url, url);
    }
}
