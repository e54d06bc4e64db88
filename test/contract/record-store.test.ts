import { DynamoDbRecordStore } from '#shared/adapters/aws/dynamodb-record-store.js';
import { MemoryRecordStore } from '#test/doubles/memory-record-store.js';
import { memorySubject } from './contract-subject.js';
import { dynaliteForContracts } from './dynalite-subjects.js';
import { recordStoreContract } from './record-store.contract.js';

recordStoreContract('MemoryRecordStore', async () => memorySubject(new MemoryRecordStore()));

// DynamoDbRecordStore against dynalite on disk; fresh tables per test (table creation is instant).
const dynalite = dynaliteForContracts('contract');

recordStoreContract('DynamoDbRecordStore on dynalite', dynalite.subjects((client, names) => new DynamoDbRecordStore(client, names.records)));
