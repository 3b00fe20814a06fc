using BenchmarkDotNet.Running;
using SurvivorConnect.Benchmarks;

// dotnet run -c Release --project tests/SurvivorConnect.Benchmarks -- --filter '*'        (BenchmarkDotNet)
// dotnet run -c Release --project tests/SurvivorConnect.Benchmarks -- chat-load [options] (chat load runner)
// dotnet run -c Release --project tests/SurvivorConnect.Benchmarks -- payouts-load [--payouts N] (payouts load runner)
// dotnet run -c Release --project tests/SurvivorConnect.Benchmarks -- outcomes-load              (outcome report load runner)
// dotnet run -c Release --project tests/SurvivorConnect.Benchmarks -- lists-load                 (lists at agency scale)
// dotnet run -c Release --project tests/SurvivorConnect.Benchmarks -- chat-memory [--connections N] (managed heap per chat connection)
if (args.Length > 0 && args[0] == "chat-load")
{
    return await ChatLoad.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "chat-memory")
{
    return await ChatMemory.RunAsync(args[1..]);
}

if (args.Length > 1 && args[0] == ChatMemory.EchoServerMode)
{
    return await ChatMemory.ServeEchoAsync(int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture));
}

if (args.Length > 0 && args[0] == "payouts-load")
{
    return await PayoutLoad.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "outcomes-load")
{
    return await OutcomesLoad.RunAsync();
}

if (args.Length > 0 && args[0] == "lists-load")
{
    return await ListsLoad.RunAsync();
}

BenchmarkSwitcher.FromAssembly(typeof(StorageBenchmarks).Assembly).Run(args);
return 0;
