import CertifyCommands

CertifyCommand.main()
