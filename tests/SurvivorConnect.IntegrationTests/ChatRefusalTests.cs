using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Logging;
using SurvivorConnect.Api.Features.Chat;
using SurvivorConnect.Api.Infrastructure.Auth;

namespace SurvivorConnect.IntegrationTests;

/// <summary>
/// A refused hub call reaches the client as a code and a plain sentence, is logged once without a stack
/// trace, and a refused read is audited like a refused REST read.
/// </summary>
public sealed class ChatRefusalTests(ChatRefusalTests.Factory api) : IClassFixture<ChatRefusalTests.Factory>
{
    public sealed class Factory : ApiFactory
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
        {
            ["Chat:SendsPerSecond"] = "1",
            ["Chat:SendBurst"] = "5",
            ["Chat:CallsPerSecond"] = "1",
            ["Chat:CallBurst"] = "20",
            ["Chat:MaxConnectionsPerPerson"] = "10",
        };
    }

    private readonly MentoringWorld _world = new(api);

    [Fact]
    public async Task Two_hundred_refused_sends_are_two_hundred_plain_refusals_and_no_stack_traces()
    {
        var chat = await _world.OpenChatAsync();
        var before = api.Logs.GetSnapshot().Count;

        var outcomes = new List<Exception?>();
        for (var i = 0; i < 205; i++)
        {
            outcomes.Add(await Record.ExceptionAsync(() => chat.Mentor.SendAsync(chat.Id, $"flood {i}")));
        }

        var refusals = outcomes.OfType<ChatRefusalException>().ToList();
        var logs = api.Logs.GetSnapshot().Skip(before).ToList();
        // The bucket refills one send a second, so a slow machine lets a few more through; most are refused.
        Assert.True(refusals.Count >= 150, $"only {refusals.Count} sends were refused");
        Assert.Equal(outcomes.Count(o => o is not null), refusals.Count);
        Assert.All(refusals, r =>
        {
            Assert.Equal("rate-limited", r.Code);
            Assert.DoesNotContain("unexpected error", r.Message, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("429", r.Message, StringComparison.Ordinal);
            Assert.StartsWith("You are sending messages too quickly", r.Message, StringComparison.Ordinal);
        });
        Assert.DoesNotContain(logs, l => l.Exception is not null);
        Assert.Equal(refusals.Count, logs.Count(l => l.Message == "Hub method Send refused: rate-limited"));
        Assert.All(logs.Where(l => l.Message.Contains("refused", StringComparison.Ordinal)), l => Assert.Equal(LogLevel.Information, l.Level));
    }

    [Fact]
    public async Task Words_of_danger_refused_for_coming_too_fast_or_too_long_still_bring_the_crisis_lines()
    {
        var chat = await _world.OpenChatAsync();
        ChatRefusalException? limited = null;
        for (var i = 0; i < 20 && limited is null; i++)
        {
            limited = await Record.ExceptionAsync(() => chat.Youth.SendAsync(chat.Id, "i want to kill myself")) as ChatRefusalException;
        }

        var tooLong = await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Youth.SendAsync(chat.Id, "i want to kill myself " + new string('x', 2100)));
        var ordinary = await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Youth.SendAsync(chat.Id, "hello " + new string('x', 2100)));

        Assert.Equal("rate-limited", limited!.Code);
        Assert.NotEmpty(limited.CrisisResources!);
        Assert.NotEmpty(tooLong.CrisisResources!);
        Assert.Null(ordinary.CrisisResources);
    }

    [Fact]
    public async Task Words_of_danger_written_after_a_burst_of_short_lines_go_and_are_flagged_though_the_burst_used_up_the_limit()
    {
        // Short lines typed quickly, then the words that matter, then perhaps the quick exit: never sent again.
        var chat = await _world.OpenChatAsync();
        ChatRefusalException? limited = null;
        for (var i = 0; i < 30 && limited is null; i++)
        {
            limited = await Record.ExceptionAsync(() => chat.Youth.SendAsync(chat.Id, $"line {i}")) as ChatRefusalException;
        }

        Assert.Equal("rate-limited", limited!.Code);
        var sent = await chat.Youth.SendAsync(chat.Id, "i want to kill myself");

        Assert.NotEmpty(sent.CrisisResources!);
        var flags = await HttpAssert.Ok<List<ChatTests.FlagDto>>(await _world.CaseManager.GetAsync("/api/flags?status=Open"));
        Assert.Contains(flags, f => f.ConversationId == chat.Id && f.Urgent);

        // Not a way round the limit: only a few such sends go past it at once.
        var refused = new List<ChatRefusalException>();
        for (var i = 0; i < ChatRateLimiter.UrgentSendBurst + 3; i++)
        {
            if (await Record.ExceptionAsync(() => chat.Youth.SendAsync(chat.Id, "i want to kill myself")) is ChatRefusalException refusal)
            {
                refused.Add(refusal);
            }
        }

        Assert.NotEmpty(refused);
        Assert.All(refused, r => Assert.Equal("rate-limited", r.Code));
    }

    [Fact]
    public async Task A_flood_of_refused_reads_is_limited_so_it_cannot_flood_the_audit_log()
    {
        var (outsiderId, outsiderHttp) = await _world.ReadyMentorAsync();
        await using var outsider = await _world.ConnectAsync(outsiderId);

        var codes = new List<string>();
        for (var i = 0; i < 200; i++)
        {
            codes.Add((await Assert.ThrowsAsync<ChatRefusalException>(() => outsider.JoinAsync($"no-such-{i}"))).Code);
        }

        // Refused requests over HTTP too, in the same minute: a second way in is not a second budget.
        for (var i = 0; i < 30; i++)
        {
            await outsiderHttp.GetAsync($"/api/people/probe-{i}");
        }

        var chatAudit = await HttpAssert.Ok<PageDto<AuditEntryDto>>(await _world.Admin.GetAsync($"/api/audit?actorId={outsiderId}&recordType=conversation&pageSize=200"));
        var httpAudit = await HttpAssert.Ok<PageDto<AuditEntryDto>>(await _world.Admin.GetAsync($"/api/audit?actorId={outsiderId}&recordType=endpoint&pageSize=200"));
        Assert.True(codes.Count(c => c == "rate-limited") >= 150, $"only {codes.Count(c => c == "rate-limited")} joins were limited");
        Assert.Contains(chatAudit.Items, e => e.RecordId == "no-such-0");
        Assert.InRange(chatAudit.Items.Count + httpAudit.Items.Count, 1, RefusalAudit.MostPerMinute);
    }

    [Fact]
    public async Task A_person_s_connections_past_ten_are_closed_and_their_others_keep_working()
    {
        var chat = await _world.OpenChatAsync();
        var more = new List<ChatClient>();
        try
        {
            // The mentor already has one open in the chat. Each is listed before the next opens (the server answers a
            // call only once the connection is listed; the handshake comes before), so the one past ten is the last.
            for (var i = 1; i < 10; i++)
            {
                var client = await _world.ConnectAsync(chat.MentorId);
                more.Add(client);
                await client.JoinAsync(chat.Id);
            }

            await using var extra = await _world.ConnectAsync(chat.MentorId);
            await ChatClient.EventuallyAsync(() => extra.Connection.State != HubConnectionState.Connected, "the eleventh connection is closed");
            Assert.Equal(["too-many-connections"], extra.Refusals);
            Assert.All(more, c => Assert.Equal(HubConnectionState.Connected, c.Connection.State));
            Assert.Equal("still here", (await chat.Mentor.SendAsync(chat.Id, "still here")).Message.Text);
        }
        finally
        {
            foreach (var client in more)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Refusals_carry_codes_a_client_can_act_on()
    {
        var chat = await _world.OpenChatAsync();
        await using var outsider = await _world.ConnectAsync((await _world.ReadyMentorAsync()).Id);

        var notFound = await Assert.ThrowsAsync<ChatRefusalException>(() => outsider.JoinAsync(chat.Id));
        var reader = await Assert.ThrowsAsync<ChatRefusalException>(() => chat.CaseManager.SendAsync(chat.Id, "hello"));
        var invalid = await Assert.ThrowsAsync<ChatRefusalException>(() => chat.Mentor.SendAsync(chat.Id, "   "));

        Assert.Equal(("not-found", "There is no such conversation."), (notFound.Code, notFound.Message));
        Assert.Equal("cannot-send", reader.Code);
        Assert.Equal("invalid", invalid.Code);
        Assert.All(new[] { notFound, reader, invalid }, r => Assert.DoesNotContain("HubException", r.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Refused_chat_reads_are_audited_and_chat_audit_entries_carry_a_trace_id()
    {
        var chat = await _world.OpenChatAsync();
        await using var outsider = await _world.ConnectAsync((await _world.ReadyMentorAsync()).Id);

        await Assert.ThrowsAsync<ChatRefusalException>(() => outsider.JoinAsync(chat.Id));
        await Assert.ThrowsAsync<ChatRefusalException>(() => outsider.SinceAsync(chat.Id, 0));
        await Assert.ThrowsAsync<ChatRefusalException>(() => outsider.HistoryAsync(chat.Id, null, 10));
        await chat.CaseManager.HistoryAsync(chat.Id, null, 10);
        var audit = await HttpAssert.Ok<PageDto<AuditEntryDto>>(await _world.Admin.GetAsync($"/api/audit?recordId={chat.Id}&recordType=conversation&pageSize=200"));

        foreach (var action in new[] { "chat.join", "chat.read", "chat.read-history" })
        {
            Assert.Contains(audit.Items, e => e.Action == action && e.Outcome == "NotFound" && e.ActorRoles.Contains("Mentor"));
        }

        Assert.All(audit.Items, e => Assert.Matches("^[0-9a-f]{32}$", e.TraceId ?? ""));
        Assert.Contains(audit.Items, e => e is { Action: "chat.read-history", ActorId: "demo-casemanager", Outcome: "Succeeded" });
    }

    [Fact]
    public async Task A_refused_read_of_an_id_no_record_could_have_is_audited_without_that_id()
    {
        var (outsiderId, _) = await _world.ReadyMentorAsync();
        await using var outsider = await _world.ConnectAsync(outsiderId);

        await Assert.ThrowsAsync<ChatRefusalException>(() => outsider.JoinAsync("forged\nline\u202Eid"));
        var audit = await HttpAssert.Ok<PageDto<AuditEntryDto>>(await _world.Admin.GetAsync($"/api/audit?actorId={outsiderId}&recordType=conversation"));

        var entry = Assert.Single(audit.Items);
        Assert.Equal(("chat.join", "NotFound", null), (entry.Action, entry.Outcome, entry.RecordId));
    }

    [Fact]
    public async Task Listing_mentors_with_their_lived_experience_is_audited()
    {
        await HttpAssert.Ok<PageDto<MentorDto>>(await _world.CaseManager.GetAsync("/api/mentors"));

        var audit = await HttpAssert.Ok<PageDto<AuditEntryDto>>(await _world.Admin.GetAsync("/api/audit?recordType=mentor&actorId=demo-casemanager"));

        Assert.Contains(audit.Items, e => e is { Action: "mentor.list", Outcome: "Succeeded" });
    }

    public sealed record AuditEntryDto(string ActorId, List<string> ActorRoles, string Action, string RecordType, string? RecordId, string Outcome, string? TraceId);
}
