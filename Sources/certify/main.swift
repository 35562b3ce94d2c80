import CertifyCommands

CertifyCommand.start()
