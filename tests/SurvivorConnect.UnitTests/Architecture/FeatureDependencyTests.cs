using System.Reflection;
using System.Reflection.Emit;
using SurvivorConnect.Storage;

namespace SurvivorConnect.UnitTests.Architecture;

/// <summary>
/// Features depend on each other one way only: a feature tells others what happened through events, and a
/// new dependency that closes a loop fails here. Dependencies are read from the compiled API: signatures,
/// and every type, method and field a method body (lambdas and async state machines included) refers to.
/// </summary>
public sealed class FeatureDependencyTests
{
    private const string FeaturesNamespace = "SurvivorConnect.Api.Features.";

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    [Fact]
    public void No_feature_depends_on_itself_through_others()
    {
        var graph = FeatureGraph();

        var cycles = graph.Keys.Select(feature => PathBack(graph, feature)).OfType<string>().ToList();

        Assert.True(cycles.Count == 0, "Features depend on each other in a loop: " + string.Join("; ", cycles));
    }

    [Fact]
    public void A_dependency_written_only_inside_a_method_body_is_seen()
    {
        // MentoringData.FindAsync calls People's id rule in its body, and nowhere in a signature.
        Assert.Contains("People", FeatureGraph()["Mentoring"]);
    }

    /// <summary>
    /// Features reach the store only through the agency's view of it (<c>AgencyStore</c>), so nothing can read or
    /// write another agency's records by going around it. The exceptions are named: sign-in's person lookup
    /// (no agency is known yet), the audit log's writer, the engagement reminder worker's read of the shared
    /// reminder schedule (ids and times only; it sends in each agency's own scope), the payout sender's read of the
    /// shared payout outbox, the supervision worker's of the shared list of due check-ins and the chat flag worker's of
    /// the shared list of flags to raise (ids and times only; each acts in each agency's own scope), teaming's one gate between partner agencies (partnership copies, seats,
    /// and the records a youth currently shares, each read checked and audited in both agencies), the calendar feed's
    /// check of a link's token (one read, in the agency the link names, before anyone is known), and Development's
    /// demo data.
    /// </summary>
    [Fact]
    public void No_feature_type_takes_the_raw_store()
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        string[] exceptions =
        [
            "SurvivorConnect.Api.Features.People.PeopleRepository", "SurvivorConnect.Api.Features.Audit.AuditLog",
            "SurvivorConnect.Api.Features.Engagements.EngagementReminderWorker", "SurvivorConnect.Api.Features.Payouts.PayoutSender",
            "SurvivorConnect.Api.Features.Supervision.CheckInWorker", "SurvivorConnect.Api.Features.Chat.ChatFlagWorker",
            "SurvivorConnect.Api.Features.Teaming.CrossAgency", "SurvivorConnect.Api.Features.Engagements.CalendarLinks",
            "SurvivorConnect.Api.Features.Notifications.NoticeIds",
        ];

        var offenders = typeof(Program).Assembly.GetTypes()
            .Where(t => FeatureOf(t) is { } feature && feature != "Development" && !exceptions.Contains(t.FullName))
            .Where(t => t.GetConstructors(all).SelectMany(c => c.GetParameters()).Any(p => p.ParameterType == typeof(IDocumentStore))
                || t.GetProperties(all).Any(p => p.PropertyType == typeof(IDocumentStore))
                || t.GetFields(all).Any(f => f.FieldType == typeof(IDocumentStore)))
            .Select(t => t.FullName)
            .ToList();

        Assert.Empty(offenders);
    }

    /// <summary>A loop from <paramref name="start"/> back to itself, written "A -> B -> A", or null.</summary>
    private static string? PathBack(Dictionary<string, HashSet<string>> graph, string start)
    {
        var path = new Stack<string>();
        var seen = new HashSet<string>();
        bool Visit(string feature)
        {
            path.Push(feature);
            foreach (var next in graph.GetValueOrDefault(feature) ?? [])
            {
                if (next == start || seen.Add(next) && Visit(next))
                {
                    return true;
                }
            }

            path.Pop();
            return false;
        }

        return Visit(start) ? string.Join(" -> ", path.Reverse().Append(start)) : null;
    }

    private static Dictionary<string, HashSet<string>> FeatureGraph()
    {
        var graph = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var type in typeof(Program).Assembly.GetTypes())
        {
            if (FeatureOf(type) is not { } from)
            {
                continue;
            }

            var uses = graph.TryGetValue(from, out var set) ? set : graph[from] = new HashSet<string>(StringComparer.Ordinal);
            foreach (var to in Referenced(type).Select(FeatureOf).OfType<string>().Where(to => to != from))
            {
                uses.Add(to);
            }
        }

        return graph;
    }

    private static string? FeatureOf(Type type) =>
        type.Namespace is { } ns && ns.StartsWith(FeaturesNamespace, StringComparison.Ordinal)
            ? ns[FeaturesNamespace.Length..].Split('.')[0]
            : null;

    private static IEnumerable<Type> Referenced(Type type)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var found = new List<Type>();
        if (type.BaseType is { } baseType)
        {
            found.Add(baseType);
        }

        found.AddRange(type.GetInterfaces());
        found.AddRange(type.GetFields(all).Select(f => f.FieldType));
        found.AddRange(type.GetProperties(all).Select(p => p.PropertyType));
        foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
        {
            found.AddRange(method.GetParameters().Select(p => p.ParameterType));
            if (method is MethodInfo info)
            {
                found.Add(info.ReturnType);
            }

            found.AddRange(BodyReferences(type, method));
        }

        return found.SelectMany(Flatten);
    }

    /// <summary>The declaring types of what a method body refers to, read from its IL tokens.</summary>
    private static IEnumerable<Type> BodyReferences(Type type, MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            yield break;
        }

        var typeArguments = type.IsGenericTypeDefinition ? type.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethodDefinition ? method.GetGenericArguments() : null;
        for (var at = 0; at < il.Length;)
        {
            var code = il[at] == 0xFE ? OpCodesByValue[(short)(0xFE00 | il[at + 1])] : OpCodesByValue[il[at]];
            at += code.Size;
            if (code.OperandType is OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok)
            {
                var member = Resolve(method.Module, BitConverter.ToInt32(il, at), typeArguments, methodArguments);
                if (member is Type referencedType)
                {
                    yield return referencedType;
                }
                else if (member?.DeclaringType is { } declaring)
                {
                    yield return declaring;
                }
            }

            at += OperandSize(code, il, at);
        }
    }

    private static MemberInfo? Resolve(Module module, int token, Type[]? typeArguments, Type[]? methodArguments)
    {
        try
        {
            return module.ResolveMember(token, typeArguments, methodArguments);
        }
        catch (Exception ex) when (ex is ArgumentException or BadImageFormatException)
        {
            // A token of another module's generic context: what it names is still in a signature seen above.
            return null;
        }
    }

    private static int OperandSize(OpCode code, byte[] il, int at) => code.OperandType switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, at)),
        _ => 4,
    };

    private static IEnumerable<Type> Flatten(Type type)
    {
        var element = type.HasElementType ? type.GetElementType()! : type;
        yield return element;
        if (element.IsGenericType && !element.IsGenericTypeDefinition)
        {
            foreach (var argument in element.GetGenericArguments().SelectMany(Flatten))
            {
                yield return argument;
            }
        }
    }
}
