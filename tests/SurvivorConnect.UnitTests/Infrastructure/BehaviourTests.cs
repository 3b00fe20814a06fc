using Mediator;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using SurvivorConnect.Api.Features.Audit;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Storage;

namespace SurvivorConnect.UnitTests.Infrastructure;

public sealed class BehaviourTests
{
    public sealed record Audited(string Id) : IQuery<string>, IAudited
    {
        public AuditTarget Audit => new("thing.read", "thing", Id);
    }

    public sealed record Checked(string? Name) : IQuery<string>, IValidate
    {
        public void Validate(ValidationErrors errors) => errors.Text("name", Name, 5);
    }

    private readonly Mock<IAuditLog> _audit = new();
    private readonly Mock<ICurrentUser> _user = new();

    private readonly AccessBasis _basis = new();

    private AuditBehaviour<Audited, string> AuditBehaviour() => new(_audit.Object, _user.Object, _basis, new ListedRecords(), NullLogger<AuditBehaviour<Audited, string>>.Instance);

    public static TheoryData<Exception, AuditOutcome> Failures => new()
    {
        { new NotFoundException("thing"), AuditOutcome.NotFound },
        { new StoreException(StoreErrorKind.NotFound, "x"), AuditOutcome.NotFound },
        { new ForbiddenException("no"), AuditOutcome.Denied },
        { new ConflictException("no"), AuditOutcome.Conflict },
        { new StoreException(StoreErrorKind.PreconditionFailed, "x"), AuditOutcome.Conflict },
        { new InvalidOperationException("boom"), AuditOutcome.Failed },
    };

    [Fact]
    public async Task A_successful_audited_request_is_written_once_as_succeeded()
    {
        var result = await AuditBehaviour().Handle(new Audited("t1"), (_, _) => ValueTask.FromResult("ok"), CancellationToken.None);

        Assert.Equal("ok", result);
        _audit.Verify(a => a.AppendAsync(new AuditEvent("thing.read", "thing", "t1", AuditOutcome.Succeeded), _user.Object, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task A_read_records_every_ground_its_guards_let_the_reader_in_on_once_each_the_first_first()
    {
        await AuditBehaviour().Handle(new Audited("t5"), (_, _) =>
        {
            _basis.Record(AccessBasis.Caseload);
            _basis.Record(AccessBasis.TeamMember);
            _basis.Record(AccessBasis.Caseload);
            return ValueTask.FromResult("ok");
        }, CancellationToken.None);

        var both = $"{AccessBasis.Caseload}; {AccessBasis.TeamMember}";
        _audit.Verify(a => a.AppendAsync(new AuditEvent("thing.read", "thing", "t5", AuditOutcome.Succeeded, null, both), _user.Object, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Each_audited_request_of_a_page_says_its_own_why_and_one_sent_inside_another_leaves_the_outer_ones()
    {
        await AuditBehaviour().Handle(new Audited("outer"), async (_, _) =>
        {
            _basis.Record(AccessBasis.Caseload);
            await AuditBehaviour().Handle(new Audited("inner"), (_, _) =>
            {
                _basis.Record(AccessBasis.Supervision);
                return ValueTask.FromResult("ok");
            }, CancellationToken.None);
            return "ok";
        }, CancellationToken.None);
        await AuditBehaviour().Handle(new Audited("next"), (_, _) => ValueTask.FromResult("ok"), CancellationToken.None);

        _audit.Verify(a => a.AppendAsync(new AuditEvent("thing.read", "thing", "inner", AuditOutcome.Succeeded, null, AccessBasis.Supervision), _user.Object, It.IsAny<CancellationToken>()), Times.Once);
        _audit.Verify(a => a.AppendAsync(new AuditEvent("thing.read", "thing", "outer", AuditOutcome.Succeeded, null, AccessBasis.Caseload), _user.Object, It.IsAny<CancellationToken>()), Times.Once);
        _audit.Verify(a => a.AppendAsync(new AuditEvent("thing.read", "thing", "next", AuditOutcome.Succeeded), _user.Object, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task A_refusal_names_no_ground_though_a_guard_gave_one_before_something_else_refused()
    {
        await Assert.ThrowsAsync<ForbiddenException>(async () => await AuditBehaviour().Handle(new Audited("t3"), (_, _) =>
        {
            _basis.Record(AccessBasis.AgencyAdministration);
            throw new ForbiddenException("no");
        }, CancellationToken.None));

        _audit.Verify(a => a.AppendAsync(new AuditEvent("thing.read", "thing", "t3", AuditOutcome.Denied), _user.Object, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task A_failed_audited_request_is_written_with_its_outcome_and_the_failure_still_reaches_the_caller(Exception failure, AuditOutcome outcome)
    {
        var thrown = await Assert.ThrowsAnyAsync<Exception>(async () =>
            await AuditBehaviour().Handle(new Audited("t2"), (_, _) => throw failure, CancellationToken.None));

        Assert.Same(failure, thrown);
        _audit.Verify(a => a.AppendAsync(new AuditEvent("thing.read", "thing", "t2", outcome), _user.Object, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task When_the_audit_store_is_down_the_original_failure_is_what_the_caller_sees()
    {
        _audit.Setup(a => a.AppendAsync(It.IsAny<AuditEvent>(), It.IsAny<ICurrentUser>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(StoreException.Unavailable("down"));
        var failure = new NotFoundException("thing");

        var thrown = await Assert.ThrowsAsync<NotFoundException>(async () =>
            await AuditBehaviour().Handle(new Audited("t3"), (_, _) => throw failure, CancellationToken.None));

        Assert.Same(failure, thrown);
    }

    [Fact]
    public async Task When_the_audit_entry_cannot_be_written_a_successful_read_is_not_returned()
    {
        _audit.Setup(a => a.AppendAsync(It.IsAny<AuditEvent>(), It.IsAny<ICurrentUser>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(StoreException.Unavailable("down"));

        await Assert.ThrowsAsync<StoreException>(async () =>
            await AuditBehaviour().Handle(new Audited("t4"), (_, _) => ValueTask.FromResult("secret"), CancellationToken.None));
    }

    [Fact]
    public async Task An_inactive_or_agencyless_caller_never_reaches_a_handler()
    {
        _user.SetupGet(u => u.IsActive).Returns(false);
        var reached = false;

        await Assert.ThrowsAsync<ForbiddenException>(async () =>
            await new TenantScopeBehaviour<Audited, string>(_user.Object).Handle(new Audited("t"), (_, _) =>
            {
                reached = true;
                return ValueTask.FromResult("x");
            }, CancellationToken.None));

        Assert.False(reached);
    }

    [Fact]
    public async Task Invalid_fields_stop_the_request_before_the_handler_with_each_field_named()
    {
        var error = await Assert.ThrowsAsync<RequestValidationException>(async () =>
            await new ValidationBehaviour<Checked, string>([]).Handle(new Checked("far too long"), (_, _) => ValueTask.FromResult("x"), CancellationToken.None));

        Assert.Equal(["At most 5 characters."], error.Errors["name"]);
    }

    [Theory]
    [InlineData(null, "Required.")]
    [InlineData("   ", "Required.")]
    [InlineData("a\u0007b", "Control characters are not allowed.")]
    public void Text_rules_name_the_problem(string? value, string message)
    {
        var errors = new ValidationErrors().Text("f", value, 10);

        Assert.Equal([message], errors.ToDictionary()["f"]);
    }

    [Fact]
    public void Notes_keep_their_line_breaks_and_tabs_but_a_one_line_field_does_not()
    {
        const string notes = "Housing first.\r\nThen school:\n\tthe nearer one.";

        Assert.False(new ValidationErrors().Prose("notes", notes, 100).Any);
        Assert.True(new ValidationErrors().Text("title", notes, 100).Any);
        Assert.Equal(["Control characters are not allowed."], new ValidationErrors().Prose("notes", "a\u0007b", 100).ToDictionary()["notes"]);
        Assert.True(new ValidationErrors().Prose("notes", "a\u202Eb", 100).Any);
    }
}
