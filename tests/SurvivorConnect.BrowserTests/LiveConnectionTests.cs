using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace SurvivorConnect.BrowserTests;

/// <summary>
/// A page whose live connection the server refuses (the person has too many open) keeps saying why and tries again
/// only now and then, not in a loop. The server's side of the refusal is the integration tests' (NoticeConnectionCapTests); here the
/// hub is stood in for, so the page can be watched refusing without opening twenty others first.
/// </summary>
[Collection(Portal.Name)]
public sealed class LiveConnectionTests(PortalServer server)
{
    private const string Separator = "\u001e";

    [Fact]
    public async Task A_notice_arriving_on_a_youths_open_page_says_only_that_there_is_one_never_its_words()
    {
        var page = await server.SignInAsync("Riley (demo youth)", phone: true);
        const string words = "Your match has been closed by your case manager.";
        await page.Context.RouteWebSocketAsync("**/hubs/notifications**", hub => hub.OnMessage(frame =>
        {
            if (frame.Text?.Contains("\"protocol\"", StringComparison.Ordinal) == true)
            {
                hub.Send("{}" + Separator + $$"""{"type":1,"target":"NotificationReceived","arguments":[{"id":"n1","kind":"match-closed","matchId":null,"text":"{{words}}","at":"2026-12-04T21:00:00Z","readAt":null}]}""" + Separator);
            }
        }));

        await page.GotoAsync("/");

        await Expect(page.Locator("[data-toast]")).ToHaveTextAsync("You have a new notice.");
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "You have a new notice." })).ToHaveCountAsync(1);
        Assert.DoesNotContain(words, await page.ContentAsync(), StringComparison.Ordinal);

        // It sits at the top, under the exit bar, and lets a tap through: at the bottom it would cover a chat's message box.
        var toast = await page.Locator("[data-toast]").BoundingBoxAsync();
        var exitBar = await page.Locator(".exit-this-page").BoundingBoxAsync();
        Assert.True(toast!.Y >= exitBar!.Y + exitBar.Height && toast.Y + toast.Height < page.ViewportSize!.Height / 2, $"toast at {toast.Y}, exit bar ends at {exitBar.Y + exitBar.Height}");
        Assert.Equal("none", await page.Locator("[data-toast]").EvaluateAsync<string>("e => getComputedStyle(e).pointerEvents"));
    }

    [Fact]
    public async Task A_notice_that_comes_back_under_its_id_moves_to_the_top_of_the_open_notices_page_rather_than_showing_twice()
    {
        var page = await server.SignInAsync("Alex (demo case manager)");
        static string Pushed(string id, string text) =>
            $$"""{"type":1,"target":"NotificationReceived","arguments":[{"id":"{{id}}","kind":"chat-flagged","matchId":null,"text":"{{text}}","at":"2026-12-04T21:00:00Z","readAt":null}]}""" + Separator;
        await page.Context.RouteWebSocketAsync("**/hubs/notifications**", hub => hub.OnMessage(frame =>
        {
            if (frame.Text?.Contains("\"protocol\"", StringComparison.Ordinal) == true)
            {
                hub.Send("{}" + Separator + Pushed("standing", "First news") + Pushed("other", "Other news") + Pushed("standing", "First news, again"));
            }
        }));

        await page.GotoAsync("/notifications");

        var standing = page.Locator("[data-notices] li[data-notice-id=standing]");
        await Expect(standing.Locator("p").First).ToHaveTextAsync("First news, again");
        await Expect(standing.GetByRole(AriaRole.Button, new() { Name = "Mark as read" })).ToHaveAttributeAsync("value", $"standing {DateTimeOffset.Parse("2026-12-04T21:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds()}");
        await Expect(standing.GetByRole(AriaRole.Button, new() { Name = "Mark as read" })).ToHaveAccessibleDescriptionAsync("First news, again");
        await Expect(page.Locator("[data-notices] li[data-notice-id=other]").GetByRole(AriaRole.Button)).ToHaveAccessibleDescriptionAsync("Other news");
        await Expect(page.Locator("[data-notices] li").First).ToHaveAttributeAsync("data-notice-id", "standing");
        await Expect(page.Locator("[data-toast]")).ToHaveTextAsync("New notice: First news, again");
    }

    [Fact]
    public async Task A_change_of_what_someone_may_see_that_comes_while_a_form_is_on_its_way_clears_the_page_when_the_form_is_refused()
    {
        var page = await server.SignInAsync("Alex (demo case manager)");
        IWebSocketRoute? live = null;
        await page.Context.RouteWebSocketAsync("**/hubs/notifications**", hub =>
        {
            live = hub;
            hub.OnMessage(frame =>
            {
                if (frame.Text?.Contains("\"protocol\"", StringComparison.Ordinal) == true)
                {
                    hub.Send("{}" + Separator + $$"""{"type":1,"target":"NotificationReceived","arguments":[{"id":"held","kind":"chat-flagged","matchId":null,"text":"News","at":"2026-12-04T21:00:00Z","readAt":null}]}""" + Separator);
                }
            });
        });
        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await page.RouteAsync("**/notifications", async route =>
        {
            if (route.Request.Method == "POST")
            {
                await answer.Task;
                await route.FulfillAsync(new() { Status = 400 });
            }
            else
            {
                await route.ContinueAsync();
            }
        });
        await page.GotoAsync("/notifications");
        var held = page.Locator("[data-notices] li[data-notice-id=held]").GetByRole(AriaRole.Button, new() { Name = "Mark as read" });
        await held.ClickAsync();
        await Expect(page.Locator("form[aria-busy=true]")).ToHaveCountAsync(1);

        // A youth handed on meanwhile, say: the form is refused, and nothing drawn since shows the page as it may be seen now.
        live!.Send("""{"type":1,"target":"AccessChanged","arguments":[]}""" + Separator);
        await page.RunAndWaitForRequestAsync(
            () => { answer.SetResult(); return Task.CompletedTask; },
            request => request.Method == "GET" && request.Url.StartsWith(server.BaseUrl + "/notifications?redrawn-idle=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_form_stays_busy_until_its_answer_is_dealt_with_so_a_second_tap_meanwhile_sends_nothing()
    {
        var page = await server.SignInAsync("Alex (demo case manager)");
        await page.Context.RouteWebSocketAsync("**/hubs/notifications**", hub => hub.OnMessage(frame =>
        {
            if (frame.Text?.Contains("\"protocol\"", StringComparison.Ordinal) == true)
            {
                hub.Send("{}" + Separator + $$"""{"type":1,"target":"NotificationReceived","arguments":[{"id":"busy","kind":"chat-flagged","matchId":null,"text":"News","at":"2026-12-04T21:00:00Z","readAt":null}]}""" + Separator);
            }
        }));
        var posts = 0;
        await page.RouteAsync("**/notifications", async route =>
        {
            if (route.Request.Method == "POST")
            {
                Interlocked.Increment(ref posts);
                await route.FulfillAsync(new() { Status = 400 });
            }
            else
            {
                await route.ContinueAsync();
            }
        });
        // The refusal is looked into (is the session still this page's?) before it is said: that answer is slow.
        var status = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await page.RouteAsync(url => new Uri(url).AbsolutePath == "/session", async route =>
        {
            await status.Task;
            await route.ContinueAsync();
        });
        await page.GotoAsync("/notifications");
        var button = page.Locator("[data-notices] li[data-notice-id=busy]").GetByRole(AriaRole.Button, new() { Name = "Mark as read" });

        await button.ClickAsync();
        await Expect(page.Locator("form[aria-busy=true]")).ToHaveCountAsync(1);
        await button.ClickAsync();
        status.SetResult();

        await Expect(page.Locator("[data-outcome]")).ToContainTextAsync("This page changed while you were on it");
        await Expect(page.Locator("form[aria-busy=true]")).ToHaveCountAsync(0);
        Assert.Equal(1, Volatile.Read(ref posts));
    }

    [Fact]
    public async Task A_page_refused_a_live_connection_for_too_many_open_says_so_once_retries_only_now_and_then_and_clears_it_once_a_connection_is_kept()
    {
        var page = await server.SignInAsync("Riley (demo youth)", phone: true);
        var attempts = 0;
        var refusing = true;
        await page.Context.RouteWebSocketAsync("**/hubs/notifications**", hub =>
        {
            Interlocked.Increment(ref attempts);
            hub.OnMessage(frame =>
            {
                // The handshake answered, then the refusal and the close, as the server sends them.
                if (frame.Text?.Contains("\"protocol\"", StringComparison.Ordinal) != true)
                {
                    return;
                }

                if (!Volatile.Read(ref refusing))
                {
                    hub.Send("{}" + Separator);
                    return;
                }

                hub.Send("{}" + Separator + """{"type":1,"target":"ConnectionRefused","arguments":["too-many-connections"]}""" + Separator);
                _ = hub.CloseAsync();
            });
        });

        await page.GotoAsync("/notifications");

        var banner = page.Locator("[data-connection]");
        await Expect(banner).ToContainTextAsync("Live updates are off on this page because many portal pages are open.");
        await Accessibility.AssertNoSeriousViolationsAsync(page);

        // A dropped connection would be tried again within a second; a refused one only now and then.
        await page.WaitForTimeoutAsync(3000);
        Assert.Equal(1, Volatile.Read(ref attempts));

        // Back online it tries at once, and is refused again. The words stay up throughout, so a screen reader is not
        // told them again at every try.
        await page.Context.SetOfflineAsync(true);
        await Expect(banner).ToContainTextAsync("You are offline");
        await banner.EvaluateAsync("""
            el => {
                window.bannerShown = [];
                new MutationObserver(() => window.bannerShown.push(el.hidden ? '' : el.textContent))
                    .observe(el, { childList: true, characterData: true, subtree: true, attributes: true });
            }
            """);
        await page.Context.SetOfflineAsync(false);
        await WaitForAttemptsAsync(2);
        await page.WaitForTimeoutAsync(500);
        await Expect(banner).ToContainTextAsync("Live updates are off on this page");
        var shown = await page.EvaluateAsync<string[]>("window.bannerShown");
        Assert.NotEmpty(shown);
        Assert.All(shown, text => Assert.StartsWith("Live updates are off on this page", text, StringComparison.Ordinal));

        // Once a try is kept, live updates are back and the banner goes.
        Volatile.Write(ref refusing, false);
        await page.Context.SetOfflineAsync(true);
        await page.Context.SetOfflineAsync(false);
        await WaitForAttemptsAsync(3);
        await Expect(banner).ToBeHiddenAsync(new() { Timeout = 10_000 });
        await page.Context.CloseAsync();

        async Task WaitForAttemptsAsync(int expected)
        {
            for (var i = 0; i < 50 && Volatile.Read(ref attempts) < expected; i++)
            {
                await Task.Delay(100);
            }

            Assert.Equal(expected, Volatile.Read(ref attempts));
        }
    }
}
