// CertifyBattery
