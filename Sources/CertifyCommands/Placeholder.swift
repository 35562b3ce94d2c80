// CertifyCommands
