return TokenSim.Cli.CliApp.Run(args);
