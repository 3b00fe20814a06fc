using SurvivorConnect.Api.Features.Agencies;
using SurvivorConnect.Api.Features.Audit;
using SurvivorConnect.Api.Features.Chat;
using SurvivorConnect.Api.Features.Consent;
using SurvivorConnect.Api.Features.Development;
using SurvivorConnect.Api.Features.Engagements;
using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Api.Features.Payouts;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Features.Supervision;
using SurvivorConnect.Api.Infrastructure.Hosting;
using SurvivorConnect.Api.Portal;

var builder = WebApplication.CreateBuilder(args);
builder.AddSurvivorConnect();
builder.AddAgencies();
builder.AddPeople();
builder.AddAudit();
builder.AddConsent();
builder.AddNotifications();
builder.AddMentoring();
builder.AddChat();
builder.AddEngagements();
builder.AddPayouts();
builder.AddSupervision();
builder.AddPortal();

var app = builder.Build();
app.UseSurvivorConnect();
app.UseChat();
app.UsePortal();
app.MapAgencies();
app.MapPeople();
app.MapAudit();
app.MapConsent();
app.MapNotifications();
app.MapMentoring();
app.MapChat();
app.MapEngagements();
app.MapPayouts();
app.MapSupervision();
app.MapDevelopment(app.Environment);
app.MapPortal();
app.Run();

/// <summary>The entry point, visible to WebApplicationFactory in the integration tests.</summary>
public partial class Program;
