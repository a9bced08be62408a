import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { CryptoModule } from '../crypto/crypto.module';
import { ReencryptService } from './reencrypt.service';
import { SensitiveDataController } from './sensitive-data.controller';
import { SensitiveDataService } from './sensitive-data.service';
import { User } from './user.entity';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

@Module({
  imports: [TypeOrmModule.forFeature([User]), CryptoModule, AuditModule],
  controllers: [UsersController, SensitiveDataController],
  providers: [UsersService, SensitiveDataService, ReencryptService],
  exports: [UsersService, ReencryptService, CryptoModule, AuditModule],
})
export class UsersModule {}
