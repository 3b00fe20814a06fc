namespace SurvivorConnect.Api.Features.Supervision.Pages;

public partial class Wellbeing
{
    [LoggerMessage(Level = LogLevel.Error, Message = "A check-in could not be sent from the portal")]
    private static partial void LogNotSent(ILogger logger, Exception exception);
}
